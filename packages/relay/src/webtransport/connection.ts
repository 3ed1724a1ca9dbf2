// One HTTP/3 connection carrying WebTransport sessions, for either role: the control streams and
// SETTINGS both ways, extended CONNECT requests, and the routing of WebTransport streams and
// datagrams to their sessions. A protocol violation closes this connection with its HTTP/3 error
// code and a log line; nothing else is affected.
import { ByteReader } from "./byte-reader.ts";
import { H3, H3ConnectionError } from "./errors.ts";
import { concatBytes, encodeFrame, encodePrefix, FrameType, readFramePayload, StreamType } from "./frames.ts";
import { parseProtocol, parseProtocolList, serializeProtocol } from "./protocols.ts";
import { decodeFieldSection, encodeFieldSection, FieldSectionTooLarge, type HeaderField, QpackError } from "./qpack.ts";
import { datagramSessionId, WebTransportSession, WebTransportSessionError } from "./session.ts";
import { decodeSettings, encodeSettings, Setting, type Settings } from "./settings.ts";
import { describe } from "./streams.ts";

export interface WebTransportLimits {
  /** Largest request or response header block accepted, in RFC 9114 field-section bytes. */
  maxFieldSectionSize: number;
  /** WebTransport sessions one connection may hold at once; more requests get 429. */
  maxSessionsPerConnection: number;
  /** Open streams one session may have; more are refused. */
  maxStreamsPerSession: number;
  /** Datagrams held for a reader that lags; more are dropped. */
  datagramQueue: number;
  /** How long a request may wait for accept() or reject() before it is answered 503. */
  acceptTimeoutMs: number;
  /** How long a WebTransport stream may wait for its session's request to be processed. */
  streamBufferMs: number;
}

export const DEFAULT_LIMITS: WebTransportLimits = {
  maxFieldSectionSize: 16 * 1024,
  maxSessionsPerConnection: 16,
  maxStreamsPerSession: 4096,
  datagramQueue: 256,
  acceptTimeoutMs: 10_000,
  streamBufferMs: 2_000,
};

/** The largest SETTINGS payload, GOAWAY and the like we read whole. */
const MAX_CONTROL_FRAME = 4096;

export interface ConnectionOptions {
  role: "server" | "client";
  limits: WebTransportLimits;
  log: (line: string) => void;
  /** Server: called with each new session request, to accept or reject. */
  onRequest?: (session: WebTransportSession) => void;
  /**
   * Server: asked before each new session request is handed out (after this connection's own
   * limit); a status (429, 503) refuses it, undefined admits it. The server's limits across connections.
   */
  admitSession?: () => number | undefined;
  /**
   * Server: a connection holding no session (none requested yet, or all ended) this long is closed
   * with H3_NO_ERROR: a QUIC connection that never sends a request is not held forever.
   */
  noSessionTimeoutMs?: number;
}

export interface SessionRequest {
  url: URL;
  protocols?: readonly string[];
  headers?: Record<string, string>;
}

export class H3Connection {
  readonly quic: Deno.QuicConn;
  readonly #options: ConnectionOptions;
  readonly #sessions = new Map<number, WebTransportSession>();
  /** Streams that arrived before their session's request was processed, by session id. */
  readonly #waiting = new Map<number, Array<(session: WebTransportSession | undefined) => void>>();
  readonly #peerStreams = new Set<number>();
  readonly #peerSettings: Promise<Settings>;
  #resolvePeerSettings!: (settings: Settings) => void;
  #closed = false;
  #controlWriter: WritableStreamDefaultWriter<Uint8Array> | undefined;
  readonly #remote: string;
  #noSessionTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(quic: Deno.QuicConn, options: ConnectionOptions) {
    this.quic = quic;
    this.#options = options;
    this.#remote = `${quic.remoteAddr.hostname}:${quic.remoteAddr.port}`;
    this.#peerSettings = new Promise((resolve) => {
      this.#resolvePeerSettings = resolve;
    });
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Opens our control stream and starts serving the peer's streams and datagrams. */
  async start(): Promise<void> {
    const control = await this.quic.createUnidirectionalStream();
    const writer = control.getWriter();
    // The control stream stays open for the connection's life; closing it is an error for the peer.
    // Holding the writer matters: Deno finishes a stream whose objects are garbage collected.
    this.#controlWriter = writer;
    await writer.write(
      concatBytes(encodePrefix(StreamType.CONTROL), encodeFrame(FrameType.SETTINGS, this.#settings())),
    );
    void this.quic.closed.then(
      (info) => this.#lost(`closed with ${info.closeCode}${info.reason ? ` (${info.reason})` : ""}`),
      (error) => this.#lost(describe(error)),
    );
    void this.#serve(this.quic.incomingUnidirectionalStreams, (stream) => this.#handleUnidirectional(stream));
    void this.#serve(this.quic.incomingBidirectionalStreams, (stream) => this.#handleBidirectional(stream));
    void this.#readDatagrams();
    this.#armNoSessionTimer();
  }

  /** Server: (re)starts the countdown to closing this connection while it holds no session. */
  #armNoSessionTimer(): void {
    const ms = this.#options.noSessionTimeoutMs;
    if (ms === undefined || this.#closed || this.#sessions.size > 0 || this.#noSessionTimer !== undefined) return;
    this.#noSessionTimer = setTimeout(() => {
      this.#noSessionTimer = undefined;
      if (this.#sessions.size > 0 || this.#closed) return;
      this.#options.log(`connection ${this.#remote}: no session request within ${ms} ms; closing it`);
      this.close(H3.NO_ERROR, "no WebTransport session");
    }, ms);
  }

  #disarmNoSessionTimer(): void {
    clearTimeout(this.#noSessionTimer);
    this.#noSessionTimer = undefined;
  }

  /** Closes the connection with an HTTP/3 error code (H3_NO_ERROR for a clean close). */
  close(code: number = H3.NO_ERROR, reason = ""): void {
    if (this.#closed) return;
    try {
      this.quic.close({ closeCode: code, reason });
    } catch {
      // already closed underneath
    }
    this.#lost(reason || "closed locally");
  }

  /** Client: opens a WebTransport session with an extended CONNECT request. */
  async openSession(request: SessionRequest): Promise<WebTransportSession> {
    const settings = await withTimeout(this.#peerSettings, 5000, "the server's SETTINGS");
    if (settings.get(Setting.ENABLE_CONNECT_PROTOCOL) !== 1) {
      throw new WebTransportSessionError("the server does not support extended CONNECT");
    }
    const stream = await this.quic.createBidirectionalStream();
    const id = Number(stream.writable.id);
    const writer = stream.writable.getWriter();
    const reader = new ByteReader(stream.readable);
    const session = this.#createSession(id, request.url.href, new Headers(), request.protocols ?? [], writer, reader);
    const fields: HeaderField[] = [
      { name: ":method", value: "CONNECT" },
      { name: ":scheme", value: "https" },
      { name: ":authority", value: request.url.host },
      { name: ":path", value: `${request.url.pathname}${request.url.search}` },
      { name: ":protocol", value: "webtransport" },
      { name: "sec-webtransport-http3-draft02", value: "1" },
    ];
    if (request.protocols !== undefined && request.protocols.length > 0) {
      fields.push({ name: "wt-available-protocols", value: request.protocols.map(serializeProtocol).join(", ") });
    }
    for (const [name, value] of Object.entries(request.headers ?? {})) fields.push({ name: name.toLowerCase(), value });
    await writer.write(encodeFrame(FrameType.HEADERS, encodeFieldSection(fields)));
    void this.#readResponse(session, reader);
    return session;
  }

  // ---- incoming streams ------------------------------------------------------------------------

  async #serve<T>(streams: ReadableStream<T>, handle: (stream: T) => Promise<void>): Promise<void> {
    try {
      for await (const stream of streams) {
        handle(stream).catch((error) => this.#onError(error));
      }
    } catch {
      // the connection closed
    }
  }

  #onError(error: unknown): void {
    if (this.#closed) return;
    if (error instanceof H3ConnectionError) {
      this.#options.log(`connection ${this.#remote}: 0x${error.code.toString(16)} ${error.message}; closing it`);
      this.close(error.code, error.message);
    } else {
      // A stream the peer reset or a write to a closed stream: that stream only.
      this.#options.log(`connection ${this.#remote}: stream error: ${describe(error)}`);
    }
  }

  async #handleUnidirectional(stream: Deno.QuicReceiveStream): Promise<void> {
    const reader = new ByteReader(stream);
    const type = await reader.varint();
    if (type === undefined) return;
    switch (type) {
      case StreamType.CONTROL:
        this.#claimUnique(type, "control");
        return this.#readControlStream(reader);
      case StreamType.QPACK_ENCODER:
        this.#claimUnique(type, "QPACK encoder");
        return this.#readQpackEncoderStream(reader);
      case StreamType.QPACK_DECODER:
        this.#claimUnique(type, "QPACK decoder");
        return this.#drainCritical(reader, "QPACK decoder");
      case StreamType.PUSH:
        throw new H3ConnectionError(
          this.#options.role === "server" ? H3.STREAM_CREATION_ERROR : H3.ID_ERROR,
          "push streams are not supported",
        );
      case StreamType.WEBTRANSPORT: {
        const session = await this.#sessionForStream(reader);
        if (session === undefined) return;
        session.receiveUnidirectional(reader);
        return;
      }
      default:
        // Unknown and reserved (GREASE) stream types: stop reading, ignore.
        await reader.cancel();
    }
  }

  async #handleBidirectional(stream: Deno.QuicBidirectionalStream): Promise<void> {
    const reader = new ByteReader(stream.readable);
    const first = await reader.varint();
    if (first === undefined) return;
    if (first === FrameType.WEBTRANSPORT_STREAM) {
      const session = await this.#sessionForStream(reader, stream);
      if (session !== undefined) session.receiveBidirectional(reader, stream);
      return;
    }
    if (this.#options.role === "client") {
      throw new H3ConnectionError(H3.STREAM_CREATION_ERROR, "a server opened a bidirectional request stream");
    }
    await this.#handleRequest(Number(stream.readable.id), first, reader, stream);
  }

  /** Server: reads the request HEADERS of a request stream and makes a pending session. */
  async #handleRequest(
    id: number,
    firstType: number,
    reader: ByteReader,
    stream: Deno.QuicBidirectionalStream,
  ): Promise<void> {
    const limits = this.#options.limits;
    let type: number | undefined = firstType;
    let length: number;
    for (;;) {
      length = await lengthOf(reader, type);
      checkFrameAllowed(type, "request");
      if (type === FrameType.HEADERS) break;
      if (type === FrameType.DATA) throw new H3ConnectionError(H3.FRAME_UNEXPECTED, "DATA before HEADERS");
      // An unknown frame is skipped, but one cut short by the end of the stream is a truncated frame
      // (RFC 9114 section 7.1), as it is for HEADERS.
      if (!(await reader.skip(length))) {
        throw new H3ConnectionError(H3.FRAME_ERROR, `stream ended inside frame 0x${type.toString(16)}`);
      }
      type = await reader.varint();
      if (type === undefined) return; // the client gave up before sending a request
    }
    const block = await readFramePayload(reader, { type, length }, maxBlock(limits));
    const fields = decodeFields(block, limits.maxFieldSectionSize);
    const writer = stream.writable.getWriter();
    const respond = async (status: number, extra: HeaderField[] = [], finish = true) => {
      const response = encodeFieldSection([{ name: ":status", value: String(status) }, ...extra]);
      await writer.write(encodeFrame(FrameType.HEADERS, response));
      if (finish) await writer.close();
    };

    const request = parseRequest(fields);
    if (typeof request === "number") {
      this.#options.log(`connection ${this.#remote}: request ${id} answered ${request}`);
      await respond(request);
      await reader.cancel();
      return;
    }
    if (this.#sessions.size >= limits.maxSessionsPerConnection) {
      this.#options.log(`connection ${this.#remote}: session limit reached, request ${id} answered 429`);
      await respond(429);
      await reader.cancel();
      return;
    }
    const refused = this.#options.admitSession?.();
    if (refused !== undefined) {
      this.#options.log(`connection ${this.#remote}: relay session limit reached, request ${id} answered ${refused}`);
      await respond(refused);
      await reader.cancel();
      return;
    }
    const session = this.#createSession(id, request.url, request.headers, request.protocols, writer, reader);
    let answered = false;
    const timer = setTimeout(() => {
      if (!answered) void reject(503);
    }, limits.acceptTimeoutMs);
    const reject = async (status: number) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      session.fail(new WebTransportSessionError(`rejected with ${status}`));
      await respond(status).catch(() => {});
      await reader.cancel();
    };
    session.setResponder({
      accept: (protocol) => {
        if (answered) throw new WebTransportSessionError("this request was already answered");
        answered = true;
        clearTimeout(timer);
        const extra = protocol === "" ? [] : [{ name: "wt-protocol", value: serializeProtocol(protocol) }];
        void respond(200, extra, false).catch((error) => this.#onError(error));
        session.open(protocol);
      },
      reject,
    });
    this.#options.onRequest?.(session);
  }

  /** Client: reads the response to our CONNECT and opens or fails the session. */
  async #readResponse(session: WebTransportSession, reader: ByteReader): Promise<void> {
    try {
      for (;;) {
        const type = await reader.varint();
        if (type === undefined) throw new WebTransportSessionError("the server closed the request without answering");
        const length = await lengthOf(reader, type);
        checkFrameAllowed(type, "request");
        if (type === FrameType.DATA) throw new H3ConnectionError(H3.FRAME_UNEXPECTED, "DATA before HEADERS");
        if (type !== FrameType.HEADERS) {
          await reader.skip(length);
          continue;
        }
        const block = await readFramePayload(reader, { type, length }, maxBlock(this.#options.limits));
        const fields = decodeFields(block, this.#options.limits.maxFieldSectionSize);
        const status = Number(fields.find((field) => field.name === ":status")?.value);
        if (status >= 100 && status < 200) continue; // interim response
        if (status !== 200) throw new WebTransportSessionError(`the server answered ${status}`);
        const selected = fields.find((field) => field.name === "wt-protocol");
        session.open(selected === undefined ? "" : (parseProtocol(selected.value) ?? ""));
        return;
      }
    } catch (error) {
      session.fail(error instanceof Error ? error : new Error(String(error)));
      if (error instanceof H3ConnectionError) this.#onError(error);
    }
  }

  #createSession(
    id: number,
    url: string,
    headers: Headers,
    offeredProtocols: readonly string[],
    connectWriter: WritableStreamDefaultWriter<Uint8Array>,
    connectReader: ByteReader,
  ): WebTransportSession {
    const session = new WebTransportSession({
      id,
      url,
      headers,
      offeredProtocols,
      connectWriter,
      connectReader,
      limits: {
        maxStreams: this.#options.limits.maxStreamsPerSession,
        datagramQueue: this.#options.limits.datagramQueue,
      },
      host: {
        quic: this.quic,
        log: this.#options.log,
        release: (ended) => {
          if (this.#sessions.get(ended.id) === ended) this.#sessions.delete(ended.id);
          this.#armNoSessionTimer();
        },
        connectionError: (error) => this.#onError(error),
      },
    });
    this.#sessions.set(id, session);
    this.#disarmNoSessionTimer();
    for (const wake of this.#waiting.get(id) ?? []) wake(session);
    this.#waiting.delete(id);
    return session;
  }

  /** Reads a WebTransport stream's session id and finds (or briefly waits for) that session. */
  async #sessionForStream(
    reader: ByteReader,
    bidirectional?: Deno.QuicBidirectionalStream,
  ): Promise<WebTransportSession | undefined> {
    const sessionId = await reader.varint();
    if (sessionId === undefined) return undefined;
    // A session id is the id of a client-initiated bidirectional stream.
    if (sessionId % 4 !== 0) {
      throw new H3ConnectionError(H3.ID_ERROR, `WebTransport stream names session ${sessionId}, not a request stream`);
    }
    let session = this.#sessions.get(sessionId);
    if (session === undefined) session = await this.#waitForSession(sessionId);
    if (session === undefined || !session.acceptsStreams()) {
      this.#options.log(
        `connection ${this.#remote}: stream for ${session === undefined ? "unknown" : "busy or closed"} session ${sessionId} refused`,
      );
      await reader.cancel(H3.WEBTRANSPORT_BUFFERED_STREAM_REJECTED);
      await bidirectional?.writable.abort(H3.WEBTRANSPORT_BUFFERED_STREAM_REJECTED).catch(() => {});
      return undefined;
    }
    return session;
  }

  #waitForSession(sessionId: number): Promise<WebTransportSession | undefined> {
    return new Promise((resolve) => {
      const waiters = this.#waiting.get(sessionId) ?? [];
      this.#waiting.set(sessionId, waiters);
      const timer = setTimeout(() => {
        const index = waiters.indexOf(wake);
        if (index >= 0) waiters.splice(index, 1);
        if (waiters.length === 0) this.#waiting.delete(sessionId);
        resolve(undefined);
      }, this.#options.limits.streamBufferMs);
      const wake = (session: WebTransportSession | undefined) => {
        clearTimeout(timer);
        resolve(session);
      };
      waiters.push(wake);
    });
  }

  #claimUnique(type: number, name: string): void {
    if (this.#peerStreams.has(type)) throw new H3ConnectionError(H3.STREAM_CREATION_ERROR, `a second ${name} stream`);
    this.#peerStreams.add(type);
  }

  async #readControlStream(reader: ByteReader): Promise<void> {
    const first = await reader.varint();
    if (first === undefined) throw new H3ConnectionError(H3.CLOSED_CRITICAL_STREAM, "control stream closed");
    if (first !== FrameType.SETTINGS) {
      throw new H3ConnectionError(H3.MISSING_SETTINGS, `control stream began with frame 0x${first.toString(16)}`);
    }
    const length = await lengthOf(reader, first);
    const settings = decodeSettings(await readFramePayload(reader, { type: first, length }, MAX_CONTROL_FRAME));
    this.#resolvePeerSettings(settings);
    for (;;) {
      const type = await reader.varint();
      if (type === undefined) throw new H3ConnectionError(H3.CLOSED_CRITICAL_STREAM, "control stream closed");
      const frameLength = await lengthOf(reader, type);
      checkFrameAllowed(type, "control");
      if (type === FrameType.GOAWAY) {
        // One varint of at most 8 bytes: any other length is a malformed frame (RFC 9114 section 7.1).
        if (frameLength === 0 || frameLength > 8) {
          throw new H3ConnectionError(H3.FRAME_ERROR, `GOAWAY of ${frameLength} bytes`);
        }
        await readFramePayload(reader, { type, length: frameLength }, 8);
        this.#options.log(`connection ${this.#remote}: peer sent GOAWAY`);
        continue;
      }
      if (!(await reader.skip(frameLength))) {
        throw new H3ConnectionError(H3.CLOSED_CRITICAL_STREAM, "control stream closed");
      }
    }
  }

  /** With a zero-capacity dynamic table the encoder may only set the capacity to 0. */
  async #readQpackEncoderStream(reader: ByteReader): Promise<void> {
    for (;;) {
      const byte = await reader.bytes(1);
      if (byte === undefined) throw new H3ConnectionError(H3.CLOSED_CRITICAL_STREAM, "QPACK encoder stream closed");
      const instruction = byte[0] as number;
      // Set Dynamic Table Capacity (001xxxxx) with a 5-bit prefix value of 0; anything else inserts.
      if (instruction !== 0x20) {
        throw new H3ConnectionError(
          H3.QPACK_ENCODER_STREAM_ERROR,
          `encoder instruction 0x${instruction.toString(16)} with a zero-capacity table`,
        );
      }
    }
  }

  async #drainCritical(reader: ByteReader, name: string): Promise<void> {
    while ((await reader.chunk()) !== undefined) {
      // Nothing to act on: we never insert into our dynamic table.
    }
    throw new H3ConnectionError(H3.CLOSED_CRITICAL_STREAM, `${name} stream closed`);
  }

  async #readDatagrams(): Promise<void> {
    for (;;) {
      let datagram: Uint8Array;
      try {
        datagram = await this.quic.readDatagram();
      } catch {
        return; // the connection closed
      }
      const routed = datagramSessionId(datagram);
      if (routed === undefined) {
        this.#onError(new H3ConnectionError(0x33, "malformed datagram (H3_DATAGRAM_ERROR)"));
        return;
      }
      this.#sessions.get(routed.sessionId)?.receiveDatagram(routed.payload);
    }
  }

  #settings(): Uint8Array {
    const { limits, role } = this.#options;
    const settings: Settings = new Map([
      [Setting.QPACK_MAX_TABLE_CAPACITY, 0],
      [Setting.QPACK_BLOCKED_STREAMS, 0],
      [Setting.MAX_FIELD_SECTION_SIZE, limits.maxFieldSectionSize],
      [Setting.H3_DATAGRAM, 1],
      [Setting.ENABLE_WEBTRANSPORT, 1],
      [Setting.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, limits.maxSessionsPerConnection],
      [Setting.WT_MAX_SESSIONS, limits.maxSessionsPerConnection],
    ]);
    if (role === "server") settings.set(Setting.ENABLE_CONNECT_PROTOCOL, 1);
    return encodeSettings(settings);
  }

  #lost(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#disarmNoSessionTimer();
    this.#controlWriter?.releaseLock();
    this.#controlWriter = undefined;
    for (const session of [...this.#sessions.values()]) session.connectionLost(reason);
    this.#sessions.clear();
    for (const waiters of this.#waiting.values()) for (const wake of waiters) wake(undefined);
    this.#waiting.clear();
  }
}

/** Frames that may not appear on a request or control stream are connection errors. */
function checkFrameAllowed(type: number, stream: "request" | "control"): void {
  const forbidden =
    stream === "request"
      ? [FrameType.SETTINGS, FrameType.GOAWAY, FrameType.MAX_PUSH_ID, FrameType.CANCEL_PUSH, FrameType.PUSH_PROMISE]
      : [FrameType.DATA, FrameType.HEADERS, FrameType.SETTINGS, FrameType.PUSH_PROMISE];
  if ((forbidden as number[]).includes(type) || [0x02, 0x06, 0x08, 0x09].includes(type)) {
    throw new H3ConnectionError(H3.FRAME_UNEXPECTED, `frame 0x${type.toString(16)} on a ${stream} stream`);
  }
}

async function lengthOf(reader: ByteReader, type: number): Promise<number> {
  const length = await reader.varint();
  if (length === undefined) {
    throw new H3ConnectionError(H3.FRAME_ERROR, `stream ended inside frame 0x${type.toString(16)}`);
  }
  return length;
}

/** The encoded block may exceed the decoded size a little (Huffman codes for rare bytes are long). */
function maxBlock(limits: WebTransportLimits): number {
  return 2 * limits.maxFieldSectionSize;
}

function decodeFields(block: Uint8Array, maxFieldSectionSize: number): HeaderField[] {
  try {
    return decodeFieldSection(block, { maxFieldSectionSize });
  } catch (error) {
    if (error instanceof QpackError) throw new H3ConnectionError(H3.QPACK_DECOMPRESSION_FAILED, error.message);
    if (error instanceof FieldSectionTooLarge) throw new H3ConnectionError(H3.EXCESSIVE_LOAD, error.message);
    throw error;
  }
}

interface ParsedRequest {
  url: string;
  headers: Headers;
  protocols: string[];
}

/** Validates an extended CONNECT for WebTransport; returns the status to answer when it is not one. */
function parseRequest(fields: HeaderField[]): ParsedRequest | number {
  const pseudo = new Map<string, string>();
  const headers = new Headers();
  let regularSeen = false;
  for (const { name, value } of fields) {
    if (name.startsWith(":")) {
      // Pseudo-headers come first, once each, from a known set (RFC 9114 section 4.3.1).
      if (regularSeen || pseudo.has(name)) return 400;
      if (![":method", ":scheme", ":authority", ":path", ":protocol"].includes(name)) return 400;
      pseudo.set(name, value);
      continue;
    }
    regularSeen = true;
    try {
      headers.append(name, value);
    } catch {
      return 400;
    }
  }
  if (pseudo.get(":method") !== "CONNECT") return 405;
  if (pseudo.get(":protocol") !== "webtransport") return 400;
  const authority = pseudo.get(":authority");
  const path = pseudo.get(":path");
  if (pseudo.get(":scheme") !== "https" || !authority || !path?.startsWith("/")) return 400;
  let url: URL;
  try {
    url = new URL(`https://${authority}${path}`);
  } catch {
    return 400;
  }
  const offered = headers.get("wt-available-protocols");
  const protocols = offered === null ? [] : parseProtocolList(offered);
  if (protocols === undefined) return 400;
  return { url: url.href, headers, protocols };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WebTransportSessionError(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
