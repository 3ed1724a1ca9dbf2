// The worker's errors, as values with codes, and how they cross postMessage and back.
import type { ErrorInfo, WorkerErrorCode } from "./protocol.ts";

export class WorkerError extends Error {
  override readonly name = "WorkerError";
  readonly code: WorkerErrorCode;
  /** The MoQT or WebTransport code behind it, when there was one. */
  readonly wireCode: number | undefined;

  constructor(code: WorkerErrorCode, message: string, wireCode?: number) {
    super(message);
    this.code = code;
    this.wireCode = wireCode;
  }

  toInfo(): ErrorInfo {
    return this.wireCode === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, wireCode: this.wireCode };
  }

  static from(info: ErrorInfo): WorkerError {
    return new WorkerError(info.code, info.message, info.wireCode);
  }
}

/** A bad argument to the worker client's API: says which and why. */
export class WorkerArgumentError extends TypeError {
  override readonly name = "WorkerArgumentError";
}

/** Any thrown value as ErrorInfo; what is not a WorkerError becomes `fallback`. */
export function toErrorInfo(error: unknown, fallback: WorkerErrorCode = "internal"): ErrorInfo {
  if (error instanceof WorkerError) return error.toInfo();
  const message = error instanceof Error ? error.message : String(error);
  const wireCode = (error as { code?: unknown } | null)?.code;
  return typeof wireCode === "number" ? { code: fallback, message, wireCode } : { code: fallback, message };
}
