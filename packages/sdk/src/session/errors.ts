// Errors of the session layer, as values with codes.

/** The session ended: `code` is the MoQT session termination code (SessionErrorCode), `remote` says who closed it. */
export class SessionError extends Error {
  override readonly name = "SessionError";
  readonly code: number;
  readonly remote: boolean;

  constructor(code: number, message: string, options: { remote?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remote = options.remote ?? false;
  }
}

/**
 * A request the peer refused (SUBSCRIBE_ERROR, FETCH_ERROR, PUBLISH_NAMESPACE_ERROR, ...), or one a
 * handler refuses: `code` is the request's error code from the draft, `reason` the peer's reason phrase.
 */
export class RequestError extends Error {
  override readonly name = "RequestError";
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string) {
    super(reason === "" ? `request refused with code ${code}` : `request refused with code ${code}: ${reason}`);
    this.code = code;
    this.reason = reason;
  }
}

/** A bad argument to the session API: says which and why. */
export class SessionArgumentError extends TypeError {
  override readonly name = "SessionArgumentError";
}
