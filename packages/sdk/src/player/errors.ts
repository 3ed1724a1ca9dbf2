// The player's errors, as values with codes that say what to do.

export type PlayerErrorCode =
  /** The relay did not answer: is it running, and is the URL right? */
  | "relay-unreachable"
  /** The relay's TLS certificate was refused: pass its SHA-256 in `certificateHashes` (self-signed). */
  | "certificate-rejected"
  /** The relay refused the session (a token is missing or wrong). */
  | "unauthorized"
  /** No broadcast of that name on the relay, and none appeared while waiting. */
  | "broadcast-not-found"
  /** The catalog offers no rendition this browser decodes (the message lists what it offers). */
  | "no-decodable-rendition"
  /** An option is wrong; the message names it. */
  | "bad-argument"
  /** The decoder failed on the stream (a corrupt frame, a codec the catalog did not announce). */
  | "decode-error"
  | "failed";

export class PlayerError extends Error {
  override readonly name = "PlayerError";
  readonly code: PlayerErrorCode;

  constructor(code: PlayerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The event the Player dispatches as "error" (ErrorEvent-like: the error is in `.error`). */
export class PlayerErrorEvent extends Event {
  readonly error: PlayerError;

  constructor(error: PlayerError) {
    super("error");
    this.error = error;
  }

  get message(): string {
    return this.error.message;
  }
}
