// HTTP/3 error codes (RFC 9114 section 8.1, RFC 9204 section 6) and the WebTransport application
// error code mapping (draft-ietf-webtrans-http3 section 4.3).

export const H3 = {
  NO_ERROR: 0x100,
  GENERAL_PROTOCOL_ERROR: 0x101,
  INTERNAL_ERROR: 0x102,
  STREAM_CREATION_ERROR: 0x103,
  CLOSED_CRITICAL_STREAM: 0x104,
  FRAME_UNEXPECTED: 0x105,
  FRAME_ERROR: 0x106,
  EXCESSIVE_LOAD: 0x107,
  ID_ERROR: 0x108,
  SETTINGS_ERROR: 0x109,
  MISSING_SETTINGS: 0x10a,
  REQUEST_REJECTED: 0x10b,
  REQUEST_CANCELLED: 0x10c,
  REQUEST_INCOMPLETE: 0x10d,
  MESSAGE_ERROR: 0x10e,
  CONNECT_ERROR: 0x10f,
  VERSION_FALLBACK: 0x110,
  QPACK_DECOMPRESSION_FAILED: 0x200,
  QPACK_ENCODER_STREAM_ERROR: 0x201,
  QPACK_DECODER_STREAM_ERROR: 0x202,
  /** A WebTransport stream arrived for a session that does not exist (any more). */
  WEBTRANSPORT_BUFFERED_STREAM_REJECTED: 0x3994bd84,
  WEBTRANSPORT_SESSION_GONE: 0x170d7b68,
} as const;

/** A violation that closes the whole QUIC connection with an HTTP/3 error code. */
export class H3ConnectionError extends Error {
  override readonly name = "H3ConnectionError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const FIRST_WT_CODE = 0x52e4a40fa8db;
const LAST_WT_CODE = 0x52e5ac983162;

/** Maps a WebTransport application error code (0..2^32-1) to the HTTP/3 error code on the wire. */
export function webTransportCodeToHttp3(code: number): number {
  if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) {
    throw new RangeError(`a WebTransport error code is a 32-bit unsigned integer, got ${code}`);
  }
  return FIRST_WT_CODE + code + Math.floor(code / 0x1e);
}

/** The inverse mapping; `undefined` for codes outside the WebTransport range or on GREASE points. */
export function http3CodeToWebTransport(code: number): number | undefined {
  if (code < FIRST_WT_CODE || code > LAST_WT_CODE || (code - 0x21) % 0x1f === 0) return undefined;
  const shifted = code - FIRST_WT_CODE;
  return shifted - Math.floor(shifted / 0x1f);
}
