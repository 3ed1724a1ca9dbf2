// Writes whole objects to a data stream and ends it: FIN when complete, a reset when cut short.
import { concatBytes } from "../wire/index.ts";
import type { TransportSendStream } from "./transport.ts";

/** Parts of one write up to this size are copied into one buffer. */
const COALESCE_BYTES = 64 * 1024;

/** How long a cut waits for the object being written to leave, before resetting anyway. */
const CUT_WAIT_MS = 1_000;

export class DataStreamWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #last: Promise<void> = Promise.resolve();

  constructor(stream: TransportSendStream) {
    this.#writer = stream.getWriter();
  }

  /** Waits for room (back-pressure), then queues `parts` back to back. */
  async write(...parts: Uint8Array[]): Promise<void> {
    await this.#writer.ready;
    let total = 0;
    for (const part of parts) total += part.length;
    // Small parts leave as one write: one copy costs less than a write through the stream layers.
    const batch = parts.length > 1 && total <= COALESCE_BYTES ? [concatBytes(...parts)] : parts;
    for (const part of batch) {
      if (part.length === 0) continue;
      this.#last = this.#writer.write(part);
      this.#last.catch(() => {});
    }
  }

  /** FIN, once everything queued is written. */
  finish(): Promise<void> {
    return this.#writer.close();
  }

  /**
   * Resets the stream with `code`. It first lets the object being written leave (bounded in time):
   * where a reset cannot carry a code (Deno sends a FIN instead, see README), the stream then ends
   * on an object boundary rather than inside one, which the peer would take as a protocol violation.
   */
  async cut(code: number): Promise<void> {
    await Promise.race([this.#last.catch(() => {}), wait(CUT_WAIT_MS)]);
    // The reset is on its way once abort() is called; a write the peer never lets finish can hold
    // abort()'s promise forever, so the wait for it is bounded too.
    await Promise.race([this.#writer.abort(resetReason(code)).catch(() => {}), wait(CUT_WAIT_MS)]);
  }
}

/** Resets a stream nothing has written to (a stream that came after its group was cut). */
export function abortStream(stream: TransportSendStream, code: number): Promise<void> {
  return stream.abort(resetReason(code)).catch(() => {});
}

/** Resolves after `ms`, without keeping the process alive for it. */
function wait(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    (timer as { unref?: () => void }).unref?.();
  });
}

/**
 * The reason given to abort(): in browsers a WebTransportError carries the stream error code.
 * Elsewhere a plain object with `streamErrorCode` is what our Deno layer reads.
 */
function resetReason(code: number): unknown {
  const WebTransportErrorClass = (globalThis as unknown as { WebTransportError?: new (...args: unknown[]) => Error })
    .WebTransportError;
  if (WebTransportErrorClass === undefined) return { streamErrorCode: code };
  try {
    // Chromium 156 takes (init); the current spec takes (message, init).
    return new WebTransportErrorClass({ streamErrorCode: code });
  } catch {
    try {
      return new WebTransportErrorClass("reset", { streamErrorCode: code });
    } catch {
      return { streamErrorCode: code };
    }
  }
}
