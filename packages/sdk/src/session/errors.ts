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

/** A readable message for anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The transport's close info ({ closeCode, reason }) as the SessionError the session ends with. */
export function closeInfoError(info: unknown): SessionError {
  const { closeCode, reason } = (info ?? {}) as { closeCode?: number; reason?: string };
  const code = closeCode ?? 0;
  return new SessionError(
    code,
    reason !== undefined && reason !== "" ? reason : `closed by the peer with code ${code}`,
    { remote: true },
  );
}
