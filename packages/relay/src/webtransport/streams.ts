// WebTransport stream halves over QUIC streams, shaped like the browser's: a receive stream is a
// ReadableStream<Uint8Array> (the QUIC stream after its prefix), a send stream a WritableStream with
// `sendOrder`. The session keeps a teardown for each half so closing the session ends them all.
import type { ByteReader } from "./byte-reader.ts";
import { http3CodeToWebTransport } from "./errors.ts";
import { concatBytes } from "./frames.ts";

/** Raised on a stream half the peer reset or stopped, or that died with its session. */
export class WebTransportStreamError extends Error {
  override readonly name = "WebTransportError";
  readonly source = "stream";
  constructor(
    message: string,
    /** The peer's WebTransport code, when the transport tells it; Deno's QUIC API does not. */
    readonly streamErrorCode: number | null = null,
  ) {
    super(message);
  }
}

/** What a session needs to end a stream half when the session ends. */
export type Teardown = (reason: string) => void;

export interface StreamRegistry {
  add(teardown: Teardown): void;
  delete(teardown: Teardown): void;
}

/** The receiving half: pulls from the QUIC stream (buffered prefix leftovers first). */
export function createReceiveStream(reader: ByteReader, registry: StreamRegistry): ReadableStream<Uint8Array> {
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  const teardown: Teardown = (reason) => {
    void reader.cancel(reason);
    try {
      controllerRef?.error(new WebTransportStreamError(reason));
    } catch {
      // already closed or errored
    }
  };
  registry.add(teardown);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
      },
      async pull(controller) {
        try {
          const chunk = await reader.chunk();
          if (chunk === undefined) {
            registry.delete(teardown);
            controller.close();
          } else {
            controller.enqueue(chunk);
          }
        } catch (error) {
          registry.delete(teardown);
          controller.error(peerStreamError(error));
        }
      },
      async cancel(reason) {
        registry.delete(teardown);
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** The sending half: a WritableStream over the QUIC send stream, with the browser's `sendOrder`. */
export class SendStream extends WritableStream<Uint8Array> {
  readonly #quic: Deno.QuicSendStream;

  constructor(
    quic: Deno.QuicSendStream,
    writer: WritableStreamDefaultWriter<Uint8Array>,
    registry: StreamRegistry,
    prefix?: Uint8Array,
  ) {
    const teardown: Teardown = () => {
      void writer.abort().catch(() => {});
    };
    registry.add(teardown);
    // The stream's prefix goes out with its first write: one QUIC write instead of two.
    let unsent = prefix;
    super({
      async write(chunk) {
        try {
          const data = unsent === undefined ? chunk : concatBytes(unsent, chunk);
          unsent = undefined;
          await writer.write(data);
        } catch (error) {
          registry.delete(teardown);
          throw peerStreamError(error);
        }
      },
      async close() {
        registry.delete(teardown);
        if (unsent !== undefined) await writer.write(unsent);
        unsent = undefined;
        await writer.close();
      },
      async abort(reason) {
        registry.delete(teardown);
        await writer.abort(reason).catch(() => {});
      },
    });
    this.#quic = quic;
  }

  /** Relative send priority among this connection's streams (higher goes first), as in the browser. */
  get sendOrder(): number {
    return this.#quic.sendOrder;
  }
  set sendOrder(value: number) {
    this.#quic.sendOrder = value;
  }
}

/**
 * The error for a stream half the peer reset (RESET_STREAM) or stopped (STOP_SENDING). Deno's QUIC
 * API reports the peer's HTTP/3 code only inside its message ("... error 91141958510818"); mapped
 * back, that is the WebTransport code the peer's application gave.
 */
export function peerStreamError(error: unknown): WebTransportStreamError {
  const message = describe(error);
  const code = /error (\d+)\s*$/.exec(message)?.[1];
  const streamErrorCode = code === undefined ? null : (http3CodeToWebTransport(Number(code)) ?? null);
  return new WebTransportStreamError(message, streamErrorCode);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
