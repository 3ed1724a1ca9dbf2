// The WebTransport server: a QUIC listener (ALPN h3) whose connections each run an H3Connection.
// Iterate it to get session requests; accept or reject each after routing and authorizing it.
import { DEFAULT_LIMITS, H3Connection, type WebTransportLimits } from "./connection.ts";
import type { WebTransportSession } from "./session.ts";
import { describe } from "./streams.ts";

export interface ListenOptions {
  hostname?: string;
  port?: number;
  /** PEM certificate chain and key. */
  cert: string;
  key: string;
  limits?: Partial<WebTransportLimits>;
  log?: (line: string) => void;
}

export class WebTransportServer implements AsyncIterable<WebTransportSession> {
  readonly #endpoint: Deno.QuicEndpoint;
  readonly #limits: WebTransportLimits;
  readonly #log: (line: string) => void;
  readonly #connections = new Set<H3Connection>();
  readonly #requests: ReadableStream<WebTransportSession>;
  #controller!: ReadableStreamDefaultController<WebTransportSession>;
  #listener: Deno.QuicListener;
  #closed = false;

  constructor(options: ListenOptions) {
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#log = options.log ?? ((line) => console.error(line));
    this.#endpoint = new Deno.QuicEndpoint({ hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0 });
    this.#requests = new ReadableStream({
      start: (controller) => {
        this.#controller = controller;
      },
    });
    this.#listener = this.#listen(options.cert, options.key);
  }

  get addr(): { hostname: string; port: number } {
    const { hostname, port } = this.#endpoint.addr;
    return { hostname, port };
  }

  /** Connections currently open. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  [Symbol.asyncIterator](): AsyncIterator<WebTransportSession> {
    return this.#requests.values();
  }

  /** Serves new connections with another certificate (renewal); open connections keep theirs. */
  updateCertificate(cert: string, key: string): void {
    this.#listener.stop();
    this.#listener = this.#listen(cert, key);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.stop();
    for (const connection of this.#connections) connection.close();
    this.#endpoint.close();
    try {
      this.#controller.close();
    } catch {
      // already closed
    }
  }

  #listen(cert: string, key: string): Deno.QuicListener {
    const listener = this.#endpoint.listen({
      cert,
      key,
      alpnProtocols: ["h3"],
      maxConcurrentBidirectionalStreams: 1024,
      maxConcurrentUnidirectionalStreams: 1024,
      keepAliveInterval: 4_000,
      maxIdleTimeout: 30_000,
    });
    void this.#acceptLoop(listener);
    return listener;
  }

  async #acceptLoop(listener: Deno.QuicListener): Promise<void> {
    try {
      for await (const incoming of listener) {
        // No incoming.remoteAddr: in Deno 2.9.6, reading it before accept() failed the listener
        // with "Invalid QuicIncoming resource", and after a failed accept() it throws (which, in
        // this handler, crashed the process: a client with the wrong certificate could stop the relay).
        incoming.accept<false>().then(
          (quic) => this.#serve(quic),
          (error) => this.#log(`a QUIC handshake failed: ${describe(error)}`),
        );
      }
    } catch (error) {
      if (!this.#closed) this.#log(`listener stopped: ${describe(error)}`);
    }
  }

  async #serve(quic: Deno.QuicConn): Promise<void> {
    const connection = new H3Connection(quic, {
      role: "server",
      limits: this.#limits,
      log: this.#log,
      onRequest: (session) => {
        try {
          this.#controller.enqueue(session);
        } catch {
          void session.reject(503); // the server is closing
        }
      },
    });
    this.#connections.add(connection);
    void quic.closed.catch(() => {}).finally(() => this.#connections.delete(connection));
    try {
      await connection.start();
    } catch (error) {
      this.#log(
        `connection from ${quic.remoteAddr.hostname}:${quic.remoteAddr.port} failed to start: ${describe(error)}`,
      );
      connection.close();
    }
  }
}

/** Starts a WebTransport server. */
export function listen(options: ListenOptions): WebTransportServer {
  return new WebTransportServer(options);
}
