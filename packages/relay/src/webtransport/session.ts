// One WebTransport session, with the browser's WebTransport surface, over a CONNECT stream of an
// HTTP/3 connection. The connection routes streams and datagrams here; this class owns their lifetime.
import { encodeVarint, readVarint } from "@moqkit/sdk/wire";
import { ByteReader } from "./byte-reader.ts";
import { CapsuleParser, CapsuleType, decodeCloseSession, encodeCloseSession } from "./capsule.ts";
import { H3ConnectionError } from "./errors.ts";
import { encodeFrame, encodePrefix, FrameType, readFrameHeader, StreamType } from "./frames.ts";
import {
  createReceiveStream,
  describe,
  SendStream,
  type StreamRegistry,
  type Teardown,
  WebTransportStreamError,
} from "./streams.ts";

export interface WebTransportCloseInfo {
  closeCode: number;
  reason: string;
}

export interface WebTransportBidirectionalStream {
  readable: ReadableStream<Uint8Array>;
  writable: SendStream;
}

export interface SendStreamOptions {
  sendOrder?: number;
}

/** Why a session ended without a clean close (the browser's WebTransportError, source "session"). */
export class WebTransportSessionError extends Error {
  override readonly name = "WebTransportError";
  readonly source = "session";
}

export interface SessionLimits {
  /** Open streams (both directions, both initiators) one session may have; more are refused. */
  maxStreams: number;
  /** Datagrams queued for a reader that does not keep up; beyond this they are dropped (they are unreliable). */
  datagramQueue: number;
}

/** What the HTTP/3 connection provides to its sessions. */
export interface SessionHost {
  readonly quic: Deno.QuicConn;
  log(message: string): void;
  /** Called once the session is over, so the connection can forget it. */
  release(session: WebTransportSession): void;
  /** A violation on the CONNECT stream that is an HTTP/3 connection error: the connection closes. */
  connectionError(error: H3ConnectionError): void;
}

type State = "pending" | "open" | "closing" | "closed";

interface Responder {
  accept(protocol: string): void;
  reject(status: number): Promise<void>;
}

export class WebTransportSession {
  /** The session id: the stream id of its CONNECT request. */
  readonly id: number;
  /** The request's URL (scheme, authority, path and query). */
  readonly url: string;
  /** The request's headers (pseudo-headers excluded). */
  readonly headers: Headers;
  /** Sub-protocols the client offered (`wt-available-protocols`). */
  readonly offeredProtocols: readonly string[];
  /** The sub-protocol the server selected (`wt-protocol`), or "" for none. */
  protocol = "";

  readonly ready: Promise<void>;
  readonly closed: Promise<WebTransportCloseInfo>;
  readonly incomingBidirectionalStreams: ReadableStream<WebTransportBidirectionalStream>;
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>;
  readonly datagrams: {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    readonly maxDatagramSize: number;
  };

  readonly #host: SessionHost;
  readonly #limits: SessionLimits;
  readonly #connectWriter: WritableStreamDefaultWriter<Uint8Array>;
  readonly #connectReader: ByteReader;
  readonly #datagramPrefix: Uint8Array;
  readonly #teardowns = new Set<Teardown>();
  /** Open streams, each as the set of its halves not yet done: what the stream limit counts. */
  readonly #streams = new Set<Set<Teardown>>();
  #state: State = "pending";
  #resolveReady!: () => void;
  #rejectReady!: (error: Error) => void;
  #resolveClosed!: (info: WebTransportCloseInfo) => void;
  #rejectClosed!: (error: Error) => void;
  #bidiController!: ReadableStreamDefaultController<WebTransportBidirectionalStream>;
  #uniController!: ReadableStreamDefaultController<ReadableStream<Uint8Array>>;
  #datagramController!: ReadableStreamDefaultController<Uint8Array>;
  #remoteClose: WebTransportCloseInfo | undefined;
  #responder: Responder | undefined;

  constructor(options: {
    id: number;
    url: string;
    headers: Headers;
    offeredProtocols: readonly string[];
    host: SessionHost;
    limits: SessionLimits;
    connectWriter: WritableStreamDefaultWriter<Uint8Array>;
    connectReader: ByteReader;
  }) {
    this.id = options.id;
    this.url = options.url;
    this.headers = options.headers;
    this.offeredProtocols = options.offeredProtocols;
    this.#host = options.host;
    this.#limits = options.limits;
    this.#connectWriter = options.connectWriter;
    this.#connectReader = options.connectReader;
    this.#datagramPrefix = encodeVarint(options.id / 4);

    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.closed = new Promise<WebTransportCloseInfo>((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    // Marked handled: a user who never looks at them must not crash the process (Deno exits on
    // unhandled rejections); anyone who awaits them still sees the rejection.
    this.ready.catch(() => {});
    this.closed.catch(() => {});

    this.incomingBidirectionalStreams = new ReadableStream({
      start: (controller) => {
        this.#bidiController = controller;
      },
    });
    this.incomingUnidirectionalStreams = new ReadableStream({
      start: (controller) => {
        this.#uniController = controller;
      },
    });
    const quic = this.#host.quic;
    const prefix = this.#datagramPrefix;
    this.datagrams = {
      readable: new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            this.#datagramController = controller;
          },
        },
        { highWaterMark: this.#limits.datagramQueue },
      ),
      writable: new WritableStream<Uint8Array>({
        write: async (payload) => {
          if (this.#state !== "open") throw new WebTransportSessionError("session is not open");
          const datagram = new Uint8Array(prefix.length + payload.length);
          datagram.set(prefix);
          datagram.set(payload, prefix.length);
          // Like the browser: a datagram too large to send is dropped, not an error.
          if (datagram.length <= quic.maxDatagramSize) await quic.sendDatagram(datagram);
        },
      }),
      get maxDatagramSize() {
        return Math.max(0, quic.maxDatagramSize - prefix.length);
      },
    };
  }

  get state(): State {
    return this.#state;
  }

  /** The peer's IP address (no port), for per-address policies such as the relay's failed-token limit. */
  get remoteAddress(): string {
    return this.#host.quic.remoteAddr.hostname;
  }

  /** Number of open streams (for limits and tests); a bidirectional one is open until both halves are done. */
  get openStreams(): number {
    return this.#streams.size;
  }

  // ---- server side: answer the request ---------------------------------------------------------

  /**
   * Server: accepts the request, selecting `protocol` from `offeredProtocols` (or none), and opens
   * the session. Route and authorize before calling it, using `url`, `headers` and `offeredProtocols`.
   */
  accept(options: { protocol?: string } = {}): void {
    const responder = this.#responder;
    if (responder === undefined) throw new WebTransportSessionError("only a server session can be accepted");
    const protocol = options.protocol ?? "";
    if (protocol !== "" && !this.offeredProtocols.includes(protocol)) {
      throw new TypeError(`protocol ${JSON.stringify(protocol)} was not offered by the client`);
    }
    responder.accept(protocol);
  }

  /** Server: answers the request with an HTTP status (404 unknown path, 401/403 bad token...). */
  async reject(status: number): Promise<void> {
    const responder = this.#responder;
    if (responder === undefined) throw new WebTransportSessionError("only a server session can be rejected");
    if (!Number.isInteger(status) || status < 300 || status > 599) {
      throw new RangeError(`reject needs an HTTP error status (300-599), got ${status}`);
    }
    await responder.reject(status);
  }

  // ---- called by the connection -------------------------------------------------------------

  /** @internal How the connection answers this session's request. */
  setResponder(responder: Responder): void {
    this.#responder = responder;
  }

  /** The request was accepted (server) or answered 200 (client): the session is live. */
  open(protocol: string): void {
    if (this.#state !== "pending") return;
    this.protocol = protocol;
    this.#state = "open";
    this.#resolveReady();
    void this.#readConnectStream();
  }

  /** The session never opened: the request was rejected or the connection failed. */
  fail(error: Error): void {
    if (this.#state === "closed") return;
    const wasPending = this.#state === "pending";
    this.#state = "closed";
    this.#teardownStreams(error.message);
    if (wasPending) this.#rejectReady(error);
    this.#rejectClosed(error);
    this.#host.release(this);
  }

  acceptsStreams(): boolean {
    return (this.#state === "open" || this.#state === "pending") && this.#streams.size < this.#limits.maxStreams;
  }

  receiveBidirectional(reader: ByteReader, quic: Deno.QuicBidirectionalStream): void {
    const writer = quic.writable.getWriter();
    const registry = this.#streamRegistry();
    const stream = {
      readable: createReceiveStream(reader, registry),
      writable: new SendStream(quic.writable, writer, registry),
    };
    this.#enqueue(this.#bidiController, stream);
  }

  receiveUnidirectional(reader: ByteReader): void {
    this.#enqueue(this.#uniController, createReceiveStream(reader, this.#streamRegistry()));
  }

  receiveDatagram(payload: Uint8Array): void {
    if (this.#state !== "open") return;
    const controller = this.#datagramController;
    if ((controller.desiredSize ?? 0) > 0) controller.enqueue(payload);
  }

  /** The QUIC connection is gone. */
  connectionLost(reason: string): void {
    if (this.#state === "closed") return;
    this.fail(new WebTransportSessionError(`connection lost: ${reason}`));
  }

  // ---- the browser's WebTransport surface -----------------------------------------------------

  async createBidirectionalStream(options: SendStreamOptions = {}): Promise<WebTransportBidirectionalStream> {
    await this.ready;
    this.#checkCanOpen();
    const quic = await this.#host.quic.createBidirectionalStream({
      sendOrder: options.sendOrder ?? 0,
      waitUntilAvailable: true,
    });
    const writer = quic.writable.getWriter();
    await writer.write(encodePrefix(FrameType.WEBTRANSPORT_STREAM, this.id));
    const registry = this.#streamRegistry();
    return {
      readable: createReceiveStream(new ByteReader(quic.readable), registry),
      writable: new SendStream(quic.writable, writer, registry),
    };
  }

  async createUnidirectionalStream(options: SendStreamOptions = {}): Promise<SendStream> {
    await this.ready;
    this.#checkCanOpen();
    const quic = await this.#host.quic.createUnidirectionalStream({
      sendOrder: options.sendOrder ?? 0,
      waitUntilAvailable: true,
    });
    const writer = quic.getWriter();
    return new SendStream(quic, writer, this.#streamRegistry(), encodePrefix(StreamType.WEBTRANSPORT, this.id));
  }

  /** Closes the session with a code and reason the peer sees (CLOSE_WEBTRANSPORT_SESSION). */
  close(info: Partial<WebTransportCloseInfo> = {}): void {
    if (this.#state === "pending") {
      this.fail(new WebTransportSessionError("closed before it was established"));
      return;
    }
    if (this.#state !== "open") return;
    const closeInfo = { closeCode: info.closeCode ?? 0, reason: info.reason ?? "" };
    if (!Number.isInteger(closeInfo.closeCode) || closeInfo.closeCode < 0 || closeInfo.closeCode > 0xffffffff) {
      throw new RangeError(`closeCode must be a 32-bit unsigned integer, got ${closeInfo.closeCode}`);
    }
    this.#state = "closing";
    const capsule = encodeCloseSession(closeInfo.closeCode, closeInfo.reason);
    const writer = this.#connectWriter;
    void writer
      .write(encodeFrame(FrameType.DATA, capsule))
      .then(() => writer.close())
      .catch(() => {});
    this.#finish(closeInfo);
  }

  // ---- internals -------------------------------------------------------------------------------

  #checkCanOpen(): void {
    if (this.#state !== "open") throw new WebTransportSessionError(`session is ${this.#state}`);
    if (this.#streams.size >= this.#limits.maxStreams) {
      throw new WebTransportSessionError(`session has ${this.#streams.size} open streams, the limit`);
    }
  }

  /** The registry for one new stream: both halves of a bidirectional stream share it. */
  #streamRegistry(): StreamRegistry {
    const halves = new Set<Teardown>();
    return {
      add: (teardown) => {
        halves.add(teardown);
        this.#streams.add(halves);
        this.#teardowns.add(teardown);
      },
      delete: (teardown) => {
        halves.delete(teardown);
        if (halves.size === 0) this.#streams.delete(halves);
        this.#teardowns.delete(teardown);
      },
    };
  }

  #enqueue<T>(controller: ReadableStreamDefaultController<T>, value: T): void {
    try {
      controller.enqueue(value);
    } catch {
      // the application cancelled the incoming-streams reader: nobody will take this stream
    }
  }

  /** Reads the CONNECT stream after the response: DATA frames carrying capsules, until FIN. */
  async #readConnectStream(): Promise<void> {
    const reader = this.#connectReader;
    // Only the session capsules matter here; unknown ones are skipped, however large.
    const capsules = new CapsuleParser(
      4 + 1024,
      new Set([CapsuleType.CLOSE_WEBTRANSPORT_SESSION, CapsuleType.DRAIN_WEBTRANSPORT_SESSION]),
    );
    try {
      for (;;) {
        const header = await readFrameHeader(reader);
        if (header === undefined) break;
        if (header.type !== FrameType.DATA) {
          // Unknown and reserved frame types are skipped; trailers end nothing here.
          if (!(await reader.skip(header.length))) break;
          continue;
        }
        let left = header.length;
        while (left > 0) {
          const piece = await reader.chunk(left);
          if (piece === undefined) break;
          left -= piece.length;
          for (const capsule of capsules.push(piece)) this.#onCapsule(capsule.type, capsule.payload);
        }
      }
    } catch (error) {
      // An HTTP/2-only frame, say, is an error for the whole connection (RFC 9114 section 7.2.8),
      // whose close then ends this session with the others. Once we closed the session ourselves,
      // cancelling the reader can cut a frame short: that is no fault of the peer's.
      if (error instanceof H3ConnectionError && this.#state === "open") {
        this.#host.connectionError(error);
        return;
      }
      if (this.#state === "open") {
        this.#host.log(`session ${this.id}: CONNECT stream failed: ${describe(error)}`);
        this.fail(new WebTransportSessionError(`session aborted: ${describe(error)}`));
        return;
      }
    }
    // The peer finished its side: the session is over (with the code it sent, if any).
    if (this.#state === "open") {
      void this.#connectWriter.close().catch(() => {});
      this.#finish(this.#remoteClose ?? { closeCode: 0, reason: "" });
    }
  }

  #onCapsule(type: number, payload: Uint8Array): void {
    if (type === CapsuleType.CLOSE_WEBTRANSPORT_SESSION) {
      this.#remoteClose = decodeCloseSession(payload) ?? { closeCode: 0, reason: "" };
    }
    // DRAIN_WEBTRANSPORT_SESSION and unknown capsules need no action here.
  }

  #finish(info: WebTransportCloseInfo): void {
    this.#state = "closed";
    this.#teardownStreams(`session closed (${info.closeCode}${info.reason ? `: ${info.reason}` : ""})`);
    void this.#connectReader.cancel().catch(() => {});
    this.#resolveClosed(info);
    this.#host.release(this);
  }

  #teardownStreams(reason: string): void {
    for (const teardown of [...this.#teardowns]) teardown(reason);
    this.#teardowns.clear();
    this.#streams.clear();
    for (const controller of [this.#bidiController, this.#uniController, this.#datagramController]) {
      try {
        controller.close();
      } catch {
        // already closed
      }
    }
  }
}

/** The session a datagram belongs to: its quarter stream id prefix. */
export function datagramSessionId(datagram: Uint8Array): { sessionId: number; payload: Uint8Array } | undefined {
  const quarter = readVarint(datagram, 0);
  if (quarter === undefined) return undefined;
  return { sessionId: quarter.value * 4, payload: datagram.subarray(quarter.next) };
}

export { WebTransportStreamError };
