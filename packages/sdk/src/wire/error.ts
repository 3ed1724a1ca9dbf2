// MoQ Transport draft-14 error codes ("Error Codes" in the draft) and the two errors the codec throws.

/** Session termination codes (CONNECTION_CLOSE / CLOSE_WEBTRANSPORT_SESSION). */
export const SessionErrorCode = {
  NO_ERROR: 0x0,
  INTERNAL_ERROR: 0x1,
  UNAUTHORIZED: 0x2,
  PROTOCOL_VIOLATION: 0x3,
  INVALID_REQUEST_ID: 0x4,
  DUPLICATE_TRACK_ALIAS: 0x5,
  KEY_VALUE_FORMATTING_ERROR: 0x6,
  TOO_MANY_REQUESTS: 0x7,
  INVALID_PATH: 0x8,
  MALFORMED_PATH: 0x9,
  GOAWAY_TIMEOUT: 0x10,
  CONTROL_MESSAGE_TIMEOUT: 0x11,
  DATA_STREAM_TIMEOUT: 0x12,
  AUTH_TOKEN_CACHE_OVERFLOW: 0x13,
  DUPLICATE_AUTH_TOKEN_ALIAS: 0x14,
  VERSION_NEGOTIATION_FAILED: 0x15,
  MALFORMED_AUTH_TOKEN: 0x16,
  UNKNOWN_AUTH_TOKEN_ALIAS: 0x17,
  EXPIRED_AUTH_TOKEN: 0x18,
  INVALID_AUTHORITY: 0x19,
  MALFORMED_AUTHORITY: 0x1a,
} as const;

/** SUBSCRIBE_ERROR codes (also used by TRACK_STATUS_ERROR). */
export const SubscribeErrorCode = {
  INTERNAL_ERROR: 0x0,
  UNAUTHORIZED: 0x1,
  TIMEOUT: 0x2,
  NOT_SUPPORTED: 0x3,
  TRACK_DOES_NOT_EXIST: 0x4,
  INVALID_RANGE: 0x5,
  MALFORMED_AUTH_TOKEN: 0x10,
  EXPIRED_AUTH_TOKEN: 0x12,
} as const;

/** PUBLISH_DONE status codes. */
export const PublishDoneCode = {
  INTERNAL_ERROR: 0x0,
  UNAUTHORIZED: 0x1,
  TRACK_ENDED: 0x2,
  SUBSCRIPTION_ENDED: 0x3,
  GOING_AWAY: 0x4,
  EXPIRED: 0x5,
  TOO_FAR_BEHIND: 0x6,
  MALFORMED_TRACK: 0x7,
} as const;

/** PUBLISH_ERROR codes. */
export const PublishErrorCode = {
  INTERNAL_ERROR: 0x0,
  UNAUTHORIZED: 0x1,
  TIMEOUT: 0x2,
  NOT_SUPPORTED: 0x3,
  UNINTERESTED: 0x4,
} as const;

/** FETCH_ERROR codes. */
export const FetchErrorCode = {
  INTERNAL_ERROR: 0x0,
  UNAUTHORIZED: 0x1,
  TIMEOUT: 0x2,
  NOT_SUPPORTED: 0x3,
  TRACK_DOES_NOT_EXIST: 0x4,
  INVALID_RANGE: 0x5,
  NO_OBJECTS: 0x6,
  INVALID_JOINING_REQUEST_ID: 0x7,
  UNKNOWN_STATUS_IN_RANGE: 0x8,
  MALFORMED_TRACK: 0x9,
  MALFORMED_AUTH_TOKEN: 0x10,
  EXPIRED_AUTH_TOKEN: 0x12,
} as const;

/** PUBLISH_NAMESPACE_ERROR codes (also used by PUBLISH_NAMESPACE_CANCEL; the IANA table calls them ANNOUNCE_ERROR). */
export const PublishNamespaceErrorCode = {
  INTERNAL_ERROR: 0x0,
  UNAUTHORIZED: 0x1,
  TIMEOUT: 0x2,
  NOT_SUPPORTED: 0x3,
  UNINTERESTED: 0x4,
  MALFORMED_AUTH_TOKEN: 0x10,
  EXPIRED_AUTH_TOKEN: 0x12,
} as const;

/** SUBSCRIBE_NAMESPACE_ERROR codes. */
export const SubscribeNamespaceErrorCode = {
  INTERNAL_ERROR: 0x0,
  UNAUTHORIZED: 0x1,
  TIMEOUT: 0x2,
  NOT_SUPPORTED: 0x3,
  NAMESPACE_PREFIX_UNKNOWN: 0x4,
  NAMESPACE_PREFIX_OVERLAP: 0x5,
  MALFORMED_AUTH_TOKEN: 0x10,
  EXPIRED_AUTH_TOKEN: 0x12,
} as const;

/** RESET_STREAM / RESET_STREAM_AT codes for data streams. */
export const StreamResetCode = {
  INTERNAL_ERROR: 0x0,
  CANCELLED: 0x1,
  DELIVERY_TIMEOUT: 0x2,
  SESSION_CLOSED: 0x3,
} as const;

/**
 * The peer sent something the draft forbids: the session should close with `code`
 * (a SessionErrorCode, almost always PROTOCOL_VIOLATION).
 */
export class ProtocolViolation extends Error {
  override readonly name: string = "ProtocolViolation";
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A stream ended (FIN) in the middle of a field or an object. On the control stream it is a plain
 * violation; on a data stream the draft says the session SHOULD close, and a receiver may instead
 * treat it like a reset of that one stream (what a peer that cannot send RESET_STREAM produces).
 */
export class StreamEndedEarly extends ProtocolViolation {
  override readonly name: string = "StreamEndedEarly";

  constructor(what: string) {
    super(SessionErrorCode.PROTOCOL_VIOLATION, `stream ended inside ${what}`);
  }
}

/** An encoder was given a value it cannot put on the wire (out of range, too long, inconsistent). */
export class EncodeError extends TypeError {
  override readonly name = "EncodeError";
}

/** Shorthand for the most common case. */
export function violation(message: string): ProtocolViolation {
  return new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, message);
}
