// Two in-process WebTransport-like objects wired to each other, for tests and inline workers: what
// one side writes, the other reads. Plain web-standard streams only (no Node or DOM globals), so it
// runs wherever the session does. Not part of the package's public API.
//
// Like the browser's: a reset (writer.abort) errors the peer's readable and a stop (reader.cancel)
// errors the peer's writable, each with a MockTransportError carrying `streamErrorCode`; close()
// resolves both sides' `closed` with { closeCode, reason }, then errors every open stream.
import type { MoqTransport, TransportBidirectionalStream, TransportSendStream } from "./transport.ts";

export interface MockCloseInfo {
  closeCode: number;
  reason: string;
}

/** What a reset stream, a stopped stream or a closed session errors streams with (as WebTransportError). */
export class MockTransportError extends Error {
  override readonly name = "WebTransportError";
  readonly source: "stream" | "session";
  readonly streamErrorCode: number | null;

  constructor(message: string, source: "stream" | "session", streamErrorCode: number | null = null) {
    super(message);
    this.source = source;
    this.streamErrorCode = streamErrorCode;
  }
}

/** Bytes a stream buffers before its writer waits (flow control). */
const STREAM_WINDOW = 256 * 1024;

/** The code a reset or stop carries: `streamErrorCode` of the reason, else 0 (as browsers send). */
function codeOf(reason: unknown): number {
  const code = (reason as { streamErrorCode?: unknown } | null | undefined)?.streamErrorCode;
  return typeof code === "number" ? code : 0;
}

/** A readable fed through its controller. */
function source<T>(): [ReadableStreamDefaultController<T>, ReadableStream<T>] {
  let controller: ReadableStreamDefaultController<T> | undefined;
  const stream = new ReadableStream<T>({
    start(c) {
      controller = c;
    },
  });
  // start() runs synchronously in the constructor.
  return [controller as ReadableStreamDefaultController<T>, stream];
}

/** One direction of a stream: a writable here, a readable at the peer. */
function oneWay(streams: Set<(error: Error) => void>): {
  writable: WritableStream<Uint8Array>;
  readable: ReadableStream<Uint8Array>;
} {
  let reading!: ReadableStreamDefaultController<Uint8Array>;
  let writing!: WritableStreamDefaultController;
  let wakeWriter: (() => void) | undefined;
  let done = false;
  const finish = () => {
    done = true;
    streams.delete(fail);
    wakeWriter?.();
    wakeWriter = undefined;
  };
  // The session closed: both ends fail.
  const fail = (error: Error) => {
    if (done) return;
    finish();
    reading.error(error);
    writing.error(error);
  };
  streams.add(fail);
  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        reading = controller;
      },
      pull() {
        wakeWriter?.();
        wakeWriter = undefined;
      },
      cancel(reason) {
        // STOP_SENDING: the writer sees it.
        if (done) return;
        finish();
        writing.error(new MockTransportError("the peer stopped the stream", "stream", codeOf(reason)));
      },
    },
    { highWaterMark: STREAM_WINDOW, size: (chunk) => chunk.byteLength },
  );
  const writable = new WritableStream<Uint8Array>({
    start(controller) {
      writing = controller;
    },
    async write(chunk) {
      // The bytes cross the network: the reader gets a copy.
      reading.enqueue(chunk.slice());
      if ((reading.desiredSize ?? 1) <= 0 && !done) {
        await new Promise<void>((resolve) => {
          wakeWriter = resolve;
        });
      }
    },
    close() {
      if (done) return;
      finish();
      reading.close();
    },
    abort(reason) {
      // RESET_STREAM: the reader sees it.
      if (done) return;
      finish();
      reading.error(new MockTransportError("the peer reset the stream", "stream", codeOf(reason)));
    },
  });
  return { writable, readable };
}

/** One side of the pair, with the browser WebTransport's surface (what transport.ts names). */
export class MockWebTransport implements MoqTransport {
  readonly ready: Promise<void> = Promise.resolve();
  readonly closed: Promise<MockCloseInfo>;
  readonly protocol = "";
  readonly incomingBidirectionalStreams: ReadableStream<TransportBidirectionalStream>;
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>;
  readonly datagrams: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
  #peer: MockWebTransport | undefined;
  /** Every open stream end of this session, to fail when it closes. */
  readonly #streams = new Set<(error: Error) => void>();
  readonly #incomingBidi: ReadableStreamDefaultController<TransportBidirectionalStream>;
  readonly #incomingUni: ReadableStreamDefaultController<ReadableStream<Uint8Array>>;
  readonly #incomingDatagrams: ReadableStreamDefaultController<Uint8Array>;
  #resolveClosed!: (info: MockCloseInfo) => void;
  #closedWith: MockCloseInfo | undefined;

  constructor() {
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const [bidi, bidiStreams] = source<TransportBidirectionalStream>();
    const [uni, uniStreams] = source<ReadableStream<Uint8Array>>();
    const [datagrams, incomingDatagrams] = source<Uint8Array>();
    this.incomingBidirectionalStreams = bidiStreams;
    this.incomingUnidirectionalStreams = uniStreams;
    this.#incomingBidi = bidi;
    this.#incomingUni = uni;
    this.#incomingDatagrams = datagrams;
    this.datagrams = {
      readable: incomingDatagrams,
      writable: new WritableStream<Uint8Array>({
        // Unreliable: after a close they are lost, never an error.
        write: (datagram) => {
          const peer = this.#peer;
          if (peer !== undefined && peer.#closedWith === undefined) peer.#incomingDatagrams.enqueue(datagram.slice());
        },
      }),
    };
  }

  /** Two transports wired to each other. */
  static pair(): [MockWebTransport, MockWebTransport] {
    const client = new MockWebTransport();
    const server = new MockWebTransport();
    client.#peer = server;
    server.#peer = client;
    return [client, server];
  }

  async createBidirectionalStream(): Promise<TransportBidirectionalStream> {
    const peer = this.#open();
    const out = oneWay(this.#streams);
    const back = oneWay(this.#streams);
    peer.#incomingBidi.enqueue({ readable: out.readable, writable: back.writable });
    return { readable: back.readable, writable: out.writable };
  }

  async createUnidirectionalStream(options: { sendOrder?: number } = {}): Promise<TransportSendStream> {
    const peer = this.#open();
    const { readable, writable } = oneWay(this.#streams);
    peer.#incomingUni.enqueue(readable);
    return Object.assign(writable, { sendOrder: options.sendOrder ?? 0 });
  }

  close(info: { closeCode?: number; reason?: string } = {}): void {
    const closeInfo = { closeCode: info.closeCode ?? 0, reason: info.reason ?? "" };
    this.#end(closeInfo);
    if (this.#peer !== undefined) this.#peer.#end(closeInfo);
  }

  #open(): MockWebTransport {
    if (this.#closedWith !== undefined || this.#peer === undefined)
      throw new MockTransportError("the session is closed", "session");
    return this.#peer;
  }

  /** `closed` resolves first; the streams fail a moment later, as the close reaches them. */
  #end(info: MockCloseInfo): void {
    if (this.#closedWith !== undefined) return;
    this.#closedWith = info;
    this.#resolveClosed(info);
    void Promise.resolve().then(() => {
      const error = new MockTransportError(`the session closed: ${info.closeCode} ${info.reason}`, "session");
      for (const fail of [...this.#streams]) fail(error);
      this.#incomingBidi.error(error);
      this.#incomingUni.error(error);
      this.#incomingDatagrams.error(error);
    });
  }
}

/**
 * Two transports wired to each other: [client, server]. Run a client session on the first
 * (startClientSession) and a server session on the second (accept / startServerSession).
 */
export function createTransportPair(): [MockWebTransport, MockWebTransport] {
  return MockWebTransport.pair();
}
