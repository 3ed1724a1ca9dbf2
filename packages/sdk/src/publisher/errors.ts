// The publisher's errors, as values with codes that say what to do.

export type PublisherErrorCode =
  /** The user or the browser refused the camera/microphone: ask again, or check the site's permissions. */
  | "permission-denied"
  /** No camera matches (none plugged in, or the constraints cannot be met). */
  | "no-camera"
  /** No codec in the preference list encodes here: offer another one (vp8 encodes almost everywhere). */
  | "no-codec"
  /** The relay did not answer: is it running, and is the URL right? */
  | "relay-unreachable"
  /** The relay's TLS certificate was refused: pass its SHA-256 in `certificateHashes` (self-signed). */
  | "certificate-rejected"
  /** An option is wrong; the message names it. */
  | "bad-argument"
  | "failed";

export class PublisherError extends Error {
  override readonly name = "PublisherError";
  readonly code: PublisherErrorCode;

  constructor(code: PublisherErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The event the Publisher dispatches as "error" (ErrorEvent-like: the error is in `.error`). */
export class PublisherErrorEvent extends Event {
  readonly error: PublisherError;

  constructor(error: PublisherError) {
    super("error");
    this.error = error;
  }

  get message(): string {
    return this.error.message;
  }
}
