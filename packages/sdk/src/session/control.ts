// The control stream: one bidirectional stream carrying length-framed control messages both ways.
import {
  type ControlMessage,
  encodeControlMessage,
  readControlMessage,
  StreamReader,
  type WireLimits,
} from "../wire/index.ts";
import type { TransportBidirectionalStream } from "./transport.ts";

export class ControlStream {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: StreamReader;
  readonly #limits: WireLimits;
  #failed: ((error: unknown) => void) | undefined;

  constructor(stream: TransportBidirectionalStream, limits: WireLimits) {
    this.#writer = stream.writable.getWriter();
    this.#reader = new StreamReader(stream.readable);
    this.#limits = limits;
  }

  /** Where a write failure goes (the session closes). */
  onFailure(handler: (error: unknown) => void): void {
    this.#failed = handler;
  }

  /** Queues a message; messages go out in the order sent. Throws EncodeError for a message too big to frame. */
  send(message: ControlMessage): void {
    const bytes = encodeControlMessage(message);
    this.#writer.write(bytes).catch((error: unknown) => this.#failed?.(error));
  }

  /** The next message, or `undefined` when the peer closed the stream cleanly. */
  next(): Promise<ControlMessage | undefined> {
    return readControlMessage(this.#reader, this.#limits);
  }

  stopReading(): void {
    this.#reader.cancel().catch(() => {});
  }
}
