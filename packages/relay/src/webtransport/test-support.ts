// Shared by the WebTransport end-to-end tests: a self-signed certificate, a server fixture that
// leaves nothing open for Deno's sanitizers, and waits that are always bounded.
import assert from "node:assert/strict";
import { generateCertificate } from "./certificate.ts";
import { connect } from "./client.ts";
import type { WebTransportLimits } from "./connection.ts";
import { listen, type WebTransportServer } from "./server.ts";
import type { WebTransportSession } from "./session.ts";

export const TIMEOUT_MS = 3000;
export const certificate = await generateCertificate();
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function withTimeout<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** "pending" if `promise` has not settled after 50 ms. */
export function settledState(promise: Promise<unknown>): Promise<"fulfilled" | "rejected" | "pending"> {
  return Promise.race([
    promise.then(
      () => "fulfilled" as const,
      () => "rejected" as const,
    ),
    delay(50).then(() => "pending" as const),
  ]);
}

export async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of readable) {
    chunks.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export async function readText(readable: ReadableStream<Uint8Array>): Promise<string> {
  return decoder.decode(await withTimeout(readAll(readable), "a stream to end"));
}

export async function writeText(writable: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = writable.getWriter();
  await withTimeout(writer.write(encoder.encode(text)), "a write");
  await withTimeout(writer.close(), "a FIN");
}

/** The next value of an iterator or stream reader, which must not be done. */
export async function next<T>(iterator: AsyncIterator<T> | ReadableStreamDefaultReader<T>, what: string): Promise<T> {
  const read: Promise<{ done?: boolean; value?: T }> =
    iterator instanceof ReadableStreamDefaultReader ? iterator.read() : iterator.next();
  const result = await withTimeout(read, what);
  assert.equal(result.done, false, `${what}: the stream ended`);
  return result.value as T;
}

export interface Fixture {
  server: WebTransportServer;
  url: string;
  /** Session requests, in arrival order. */
  requests: AsyncIterator<WebTransportSession>;
  log: string[];
}

/**
 * Runs `body` against a fresh server. After it (pass or fail) every client connection must have
 * closed (the client closes its connection 50 ms after its session ends), then the server closes:
 * nothing is left for Deno's sanitizers.
 */
export async function withServer(
  limits: Partial<WebTransportLimits>,
  body: (fixture: Fixture) => Promise<void>,
  clients: WebTransportSession[] = [],
): Promise<void> {
  const log: string[] = [];
  const server = listen({
    hostname: "127.0.0.1",
    port: 0,
    cert: certificate.certPem,
    key: certificate.keyPem,
    limits,
    log: (line) => log.push(line),
  });
  const fixture: Fixture = {
    server,
    url: `https://127.0.0.1:${server.addr.port}`,
    requests: server[Symbol.asyncIterator](),
    log,
  };
  try {
    await body(fixture);
  } finally {
    for (const session of clients) session.close();
    await waitFor(() => server.connectionCount === 0, "client connections to close").catch(() => {});
    server.close();
    await delay(60); // the client's delayed connection close, for connections the server closed
  }
}

export async function waitFor(condition: () => boolean, what: string, ms = TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Connects a client and accepts its request on the server; both sessions are ready. */
export async function connectAccepted(
  fixture: Fixture,
  clients: WebTransportSession[],
  path = "/",
): Promise<{ client: WebTransportSession; server: WebTransportSession }> {
  const client = await withTimeout(connect(`${fixture.url}${path}`, { caCerts: [certificate.certPem] }), "connect");
  clients.push(client);
  const server = await next(fixture.requests, "the session request");
  server.accept();
  await withTimeout(client.ready, "client ready");
  await withTimeout(server.ready, "server ready");
  return { client, server };
}

/** Sends `payload` every 20 ms until `reader` yields a datagram (they are unreliable), at most 50 times. */
export async function exchangeDatagram(
  writable: WritableStream<Uint8Array>,
  readable: ReadableStream<Uint8Array>,
  payload: Uint8Array,
): Promise<Uint8Array> {
  const writer = writable.getWriter();
  const reader = readable.getReader();
  try {
    const received = reader.read();
    for (let attempt = 0; attempt < 50; attempt++) {
      await writer.write(payload);
      const result = await Promise.race([received, delay(20).then(() => undefined)]);
      if (result !== undefined) {
        assert.equal(result.done, false);
        return result.value as Uint8Array;
      }
    }
    throw new Error("no datagram arrived after 50 attempts");
  } finally {
    writer.releaseLock();
    reader.releaseLock();
  }
}
