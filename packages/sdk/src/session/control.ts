// The control stream: one bidirectional stream carrying length-framed control messages both ways.
// Both directions are bounded: a message the peer starts must be whole within a deadline, and what we
// queue for a peer that does not read is capped (either closes the session, CONTROL_MESSAGE_TIMEOUT).
import {
  type ControlMessage,
  encodeControlMessage,
  ProtocolViolation,
  readControlMessage,
  SessionErrorCode,
  StreamReader,
  type WireLimits,
} from "../wire/index.ts";
import type { TransportBidirectionalStream } from "./transport.ts";

/** How long a control message may take from its first byte to its last (ms): SessionOptions.controlMessageTimeoutMs. */
export const DEFAULT_CONTROL_MESSAGE_TIMEOUT_MS = 5_000;

/** Control bytes queued for the peer but not yet taken by the transport: SessionOptions.maxControlQueueBytes. */
export const DEFAULT_MAX_CONTROL_QUEUE_BYTES = 1024 * 1024;

export interface ControlStreamOptions {
  controlMessageTimeoutMs?: number;
  maxControlQueueBytes?: number;
}

export class ControlStream {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: StreamReader;
  readonly #limits: WireLimits;
  readonly #messageTimeoutMs: number;
  readonly #maxQueued: number;
  /** Bytes written to the stream whose write has not completed (the transport has not taken them). */
  #queued = 0;
  #overflowed = false;
  #failed: ((error: unknown) => void) | undefined;

  constructor(stream: TransportBidirectionalStream, limits: WireLimits, options: ControlStreamOptions = {}) {
    this.#writer = stream.writable.getWriter();
    this.#reader = new StreamReader(stream.readable);
    this.#limits = limits;
    // A timer cannot wait longer than 2^31−1 ms (longer ones fire at once).
    this.#messageTimeoutMs = Math.min(
      Math.max(options.controlMessageTimeoutMs ?? DEFAULT_CONTROL_MESSAGE_TIMEOUT_MS, 0),
      2 ** 31 - 1,
    );
    this.#maxQueued = options.maxControlQueueBytes ?? DEFAULT_MAX_CONTROL_QUEUE_BYTES;
  }

  /**
   * Where a write failure goes (the session closes). A peer that leaves more than the bound unread
   * comes here as a ProtocolViolation with CONTROL_MESSAGE_TIMEOUT.
   */
  onFailure(handler: (error: unknown) => void): void {
    this.#failed = handler;
  }

  /** Bytes queued and not yet taken by the transport. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /**
   * Queues a message; messages go out in the order sent. Throws EncodeError for a message too big to
   * frame. Past the bound of unwritten bytes, nothing more is queued and the failure handler is told.
   */
  send(message: ControlMessage): void {
    if (this.#overflowed) return;
    const bytes = encodeControlMessage(message);
    if (this.#queued + bytes.length > this.#maxQueued) {
      this.#overflowed = true;
      this.#failed?.(
        new ProtocolViolation(
          SessionErrorCode.CONTROL_MESSAGE_TIMEOUT,
          `the peer does not read its control stream (${this.#queued} bytes unread, bound ${this.#maxQueued})`,
        ),
      );
      return;
    }
    this.#queued += bytes.length;
    this.#writer.write(bytes).then(
      () => {
        this.#queued -= bytes.length;
      },
      (error: unknown) => {
        this.#queued -= bytes.length;
        this.#failed?.(error);
      },
    );
  }

  /**
   * The next message, or `undefined` when the peer closed the stream cleanly. Waiting for a message
   * to start has no deadline; once its first byte is here, the rest must come within the timeout,
   * else a ProtocolViolation with CONTROL_MESSAGE_TIMEOUT.
   */
  async next(): Promise<ControlMessage | undefined> {
    if (await this.#reader.atEnd()) return undefined;
    const message = readControlMessage(this.#reader, this.#limits);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ProtocolViolation(
              SessionErrorCode.CONTROL_MESSAGE_TIMEOUT,
              `a control message did not complete within ${this.#messageTimeoutMs} ms`,
            ),
          ),
        this.#messageTimeoutMs,
      );
    });
    // After a timeout the read is abandoned; the session's close cancels it.
    message.catch(() => {});
    try {
      return await Promise.race([message, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  stopReading(): void {
    this.#reader.cancel().catch(() => {});
  }
}
