// Placeholder application until MoQ Transport arrives: echoes whatever a session sends.
//   /echo: bidirectional streams are echoed on the same stream; each unidirectional stream
//     is echoed on a new one; datagrams are echoed. A peer's reset or stop is logged with its code. A bidirectional stream that starts with
//     "close:CODE:REASON" makes the server close the session with that code and reason.
//   /sink: counts bytes for benchmarks. A bidirectional stream is drained and answered with its
//     byte count; one that starts with "wait:N" is answered with {"streams","bytes"} once N
//     unidirectional streams were fully received.
// Any other path is answered 404; with a token configured, a missing one 401 and a wrong one 403.
import { concatBytes } from "@moqkit/sdk/wire";
import {
  type WebTransportBidirectionalStream,
  type WebTransportSession,
  WebTransportStreamError,
} from "./webtransport/index.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Log = (line: string) => void;

export interface EchoOptions {
  log: Log;
}

/** Routes a session request (already authorized by the relay, as every path is), then serves it. */
export function handleEchoSession(session: WebTransportSession, options: EchoOptions): void {
  const path = new URL(session.url).pathname;
  if (path !== "/echo" && path !== "/sink") {
    options.log(`session ${path} rejected 404`);
    void session.reject(404);
    return;
  }
  // Select the first offered sub-protocol we know; none of the placeholder's, so none is selected.
  session.accept();
  options.log(`session ${path} accepted`);
  void session.closed.then(
    (info) => options.log(`session closed path=${path} code=${info.closeCode} reason=${JSON.stringify(info.reason)}`),
    (error) => options.log(`session aborted path=${path}: ${error instanceof Error ? error.message : error}`),
  );
  if (path === "/sink") serveSink(session);
  else serveEcho(session, options.log);
}

function serveEcho(session: WebTransportSession, log: Log): void {
  void forEach(session.incomingBidirectionalStreams, (stream) => echoBidirectional(session, stream, log));
  void forEach(session.incomingUnidirectionalStreams, async (readable) => {
    const data = await readAll(readable);
    const writable = await session.createUnidirectionalStream();
    const writer = writable.getWriter();
    await writer.write(data);
    await writer.close();
  });
  void forEach(session.datagrams.readable, async (datagram) => {
    const writer = session.datagrams.writable.getWriter();
    try {
      await writer.write(datagram);
    } finally {
      writer.releaseLock();
    }
  });
}

async function echoBidirectional(session: WebTransportSession, stream: WebTransportBidirectionalStream, log: Log) {
  const reader = stream.readable.getReader();
  const writer = stream.writable.getWriter();
  let writable = true;
  const echo = async (chunk: Uint8Array) => {
    if (!writable) return;
    try {
      await writer.write(chunk);
    } catch (error) {
      // The peer stopped reading (STOP_SENDING): keep draining what it sends, stop echoing.
      writable = false;
      log(`stream stopped by peer code=${streamErrorCode(error)}`);
    }
  };
  try {
    const first = await reader.read();
    if (!first.done) {
      const command = /^close:(\d+):(.*)$/s.exec(decoder.decode(first.value.subarray(0, 64)));
      if (command !== null) {
        session.close({ closeCode: Number(command[1]), reason: command[2] ?? "" });
        return;
      }
      await echo(first.value);
    }
    for (let next = await reader.read(); !next.done; next = await reader.read()) await echo(next.value);
    if (writable) await writer.close();
  } catch (error) {
    log(`stream reset by peer code=${streamErrorCode(error)}`);
    await writer.abort().catch(() => {});
  }
}

function streamErrorCode(error: unknown): string {
  return error instanceof WebTransportStreamError ? String(error.streamErrorCode) : "unknown";
}

function serveSink(session: WebTransportSession): void {
  let streams = 0;
  let bytes = 0;
  const waiters: Array<{ count: number; wake: () => void }> = [];
  void forEach(session.incomingUnidirectionalStreams, async (readable) => {
    for await (const chunk of readable) bytes += chunk.length;
    streams++;
    for (const waiter of waiters.filter((entry) => streams >= entry.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.wake();
    }
  });
  void forEach(session.incomingBidirectionalStreams, async (stream) => {
    const reader = stream.readable.getReader();
    const writer = stream.writable.getWriter();
    const first = await reader.read();
    const wait = first.done ? null : /^wait:(\d+)/.exec(decoder.decode(first.value.subarray(0, 32)));
    if (wait !== null) {
      const count = Number(wait[1]);
      if (streams < count) await new Promise<void>((wake) => waiters.push({ count, wake }));
      await writer.write(encoder.encode(JSON.stringify({ streams, bytes })));
      await writer.close();
      return;
    }
    let total = first.done ? 0 : first.value.length;
    for (let next = await reader.read(); !next.done; next = await reader.read()) total += next.value.length;
    await writer.write(encoder.encode(String(total)));
    await writer.close();
  });
}

async function forEach<T>(stream: ReadableStream<T>, handle: (item: T) => Promise<void>): Promise<void> {
  try {
    for await (const item of stream) handle(item).catch(() => {});
  } catch {
    // the session ended
  }
}

async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readable) chunks.push(chunk);
  return concatBytes(...chunks);
}
