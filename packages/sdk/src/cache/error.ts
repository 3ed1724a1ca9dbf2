/** Why a track or segment ended abnormally, as a value with a code (never a string to parse). */
export type CacheErrorCode = "closed" | "reset" | "stop" | "not-found" | "duplicate" | "wrong-size";

/** The wire code each error maps to; `reset` carries its own. */
const WIRE_CODES: Record<Exclude<CacheErrorCode, "reset">, number> = {
  closed: 0,
  stop: 206,
  "not-found": 404,
  duplicate: 409,
  "wrong-size": 500,
};

const DEFAULT_MESSAGES: Record<CacheErrorCode, string> = {
  closed: "closed",
  reset: "reset",
  stop: "stopped by the receiver",
  "not-found": "not found",
  duplicate: "duplicate sequence number",
  "wrong-size": "wrong size",
};

export class CacheError extends Error {
  override readonly name = "CacheError";
  readonly code: CacheErrorCode;
  /** The numeric code used on the wire (a stream reset or a close code). */
  readonly wireCode: number;

  /**
   * @param code what went wrong.
   * @param options.resetCode the application's own code, required for `reset` (a non-negative safe integer).
   * @param options.message a human-readable detail.
   */
  constructor(code: CacheErrorCode, options: { resetCode?: number; message?: string } = {}) {
    super(options.message ?? DEFAULT_MESSAGES[code]);
    if (!(code in DEFAULT_MESSAGES)) {
      throw new TypeError(
        `CacheError code must be one of ${Object.keys(DEFAULT_MESSAGES).join(", ")}, got ${String(code)}`,
      );
    }
    this.code = code;
    if (code === "reset") {
      const resetCode = options.resetCode;
      if (resetCode === undefined || !Number.isSafeInteger(resetCode) || resetCode < 0) {
        throw new TypeError(`CacheError reset needs resetCode, a non-negative safe integer, got ${String(resetCode)}`);
      }
      this.wireCode = resetCode;
    } else {
      this.wireCode = WIRE_CODES[code];
    }
  }

  static closed(message?: string): CacheError {
    return new CacheError("closed", { message });
  }

  static reset(resetCode: number, message?: string): CacheError {
    return new CacheError("reset", { resetCode, message });
  }
}
