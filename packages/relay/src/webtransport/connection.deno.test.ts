// Several WebTransport sessions on ONE QUIC connection: the client side is an H3Connection built
// directly over Deno.connectQuic, the server side the real `listen`. Checks routing of streams and
// datagrams to the right session, and the per-connection and per-session limits.
import assert from "node:assert/strict";
import { DEFAULT_LIMITS, H3Connection } from "./connection.ts";
import { H3 } from "./errors.ts";
import { concatBytes, encodeFrame, encodePrefix, FrameType, StreamType } from "./frames.ts";
import type { WebTransportBidirectionalStream, WebTransportSession } from "./session.ts";
import { encodeSettings } from "./settings.ts";
import {
  certificate,
  decoder,
  delay,
  encoder,
  exchangeDatagram,
  type Fixture,
  next,
  readText,
  settledState,
  withServer,
  withTimeout,
  writeText,
} from "./test-support.ts";

interface Client {
  connection: H3Connection;
  quic: Deno.QuicConn;
  log: string[];
  open(path: string, protocols?: string[]): Promise<WebTransportSession>;
}

/** One client QUIC connection for `body`; closed (and waited for) afterwards. */
async function withClient(fixture: Fixture, body: (client: Client) => Promise<void>): Promise<void> {
  const quic = await withTimeout(
    Deno.connectQuic<false>({
      hostname: "127.0.0.1",
      port: fixture.server.addr.port,
      alpnProtocols: ["h3"],
      caCerts: [certificate.certPem],
    }),
    "QUIC connect",
  );
  const log: string[] = [];
  const connection = new H3Connection(quic, { role: "client", limits: DEFAULT_LIMITS, log: (line) => log.push(line) });
  try {
    await withTimeout(connection.start(), "client control stream");
    await body({
      connection,
      quic,
      log,
      open: (path, protocols) => connection.openSession({ url: new URL(`${fixture.url}${path}`), protocols }),
    });
  } finally {
    connection.close();
    await withTimeout(quic.closed, "the client connection to close").catch(() => {});
  }
}

/** Accepts every session request; returns the accepted sessions as they come. */
function acceptAll(fixture: Fixture, serve: (session: WebTransportSession) => void): WebTransportSession[] {
  const accepted: WebTransportSession[] = [];
  void (async () => {
    for (;;) {
      const result = await fixture.requests.next();
      if (result.done) return;
      result.value.accept();
      accepted.push(result.value);
      serve(result.value);
    }
  })();
  return accepted;
}

/** Runs `handle` on every incoming stream of a session, until the session ends. */
function onStreams<T>(streams: ReadableStream<T>, handle: (stream: T) => Promise<void>): void {
  void (async () => {
    for await (const stream of streams) handle(stream).catch(() => {});
  })().catch(() => {});
}

/** Server behaviour: bidi streams echo with the session's path as a prefix; uni streams and datagrams too. */
function echoWithPrefix(session: WebTransportSession): void {
  const prefix = `${new URL(session.url).pathname}:`;
  onStreams(session.incomingBidirectionalStreams, async (stream) => {
    await writeText(stream.writable, prefix + (await readText(stream.readable)));
  });
  onStreams(session.incomingUnidirectionalStreams, async (stream) => {
    const text = await readText(stream);
    await writeText(await session.createUnidirectionalStream(), prefix + text);
  });
  void (async () => {
    const writer = session.datagrams.writable.getWriter();
    for await (const datagram of session.datagrams.readable) {
      await writer.write(encoder.encode(prefix + decoder.decode(datagram)));
    }
  })().catch(() => {});
}

async function ask(session: WebTransportSession, text: string): Promise<string> {
  const stream = await withTimeout(session.createBidirectionalStream(), "open a stream");
  await writeText(stream.writable, text);
  return await readText(stream.readable);
}

Deno.test("three sessions on one connection: each one's streams and datagrams reach its own server session", async () => {
  await withServer({}, async (fixture) => {
    const accepted = acceptAll(fixture, echoWithPrefix);
    await withClient(fixture, async (client) => {
      const sessions = await Promise.all(["/s0", "/s1", "/s2"].map((path) => client.open(path)));
      await Promise.all(sessions.map((session) => withTimeout(session.ready, "ready")));
      assert.equal(new Set(sessions.map((session) => session.id)).size, 3, "three distinct session ids");
      assert.equal(client.connection.sessionCount, 3);
      assert.equal(fixture.server.connectionCount, 1, "all on one QUIC connection");
      assert.deepEqual(accepted.map((session) => new URL(session.url).pathname).sort(), ["/s0", "/s1", "/s2"]);

      // Interleaved on purpose: all streams of all sessions are in flight at once.
      const answers = await Promise.all(
        sessions.flatMap((session, index) => [ask(session, `a${index}`), ask(session, `b${index}`)]),
      );
      assert.deepEqual(answers, ["/s0:a0", "/s0:b0", "/s1:a1", "/s1:b1", "/s2:a2", "/s2:b2"]);

      const uniAnswers = await Promise.all(
        sessions.map(async (session, index) => {
          const incoming = session.incomingUnidirectionalStreams.getReader();
          await writeText(await withTimeout(session.createUnidirectionalStream(), "uni"), `u${index}`);
          const reply = await readText(await next(incoming, "the uni reply"));
          incoming.releaseLock();
          return reply;
        }),
      );
      assert.deepEqual(uniAnswers, ["/s0:u0", "/s1:u1", "/s2:u2"]);

      for (const [index, session] of sessions.entries()) {
        const reply = await exchangeDatagram(
          session.datagrams.writable,
          session.datagrams.readable,
          encoder.encode(`d${index}`),
        );
        assert.equal(decoder.decode(reply), `/s${index}:d${index}`);
      }
    });
  });
});

Deno.test("maxSessionsPerConnection: 2 -> the third session is refused with 429, and a freed slot is reused", async () => {
  await withServer({ maxSessionsPerConnection: 2 }, async (fixture) => {
    const accepted = acceptAll(fixture, echoWithPrefix);
    await withClient(fixture, async (client) => {
      const first = await client.open("/one");
      const second = await client.open("/two");
      await withTimeout(Promise.all([first.ready, second.ready]), "two sessions ready");
      const third = await client.open("/three");
      await assert.rejects(withTimeout(third.ready, "the third session"), /\b429\b/);
      assert.equal(accepted.length, 2, "the refused request never reached the application");
      assert.ok(
        fixture.log.some((line) => line.includes("429")),
        "the server logged the refusal",
      );
      assert.equal(await ask(second, "still"), "/two:still", "the first two are unaffected");

      first.close({ closeCode: 1, reason: "make room" });
      await withTimeout(accepted[0]?.closed ?? Promise.reject(new Error("no session")), "the server side to close");
      const fourth = await client.open("/four");
      await withTimeout(fourth.ready, "a session in the freed slot");
      assert.equal(await ask(fourth, "hi"), "/four:hi");
    });
  });
});

/** Server behaviour: every chunk read on a bidi stream is answered "ok:<chunk>"; FIN is answered with FIN. */
function answerChunks(session: WebTransportSession): void {
  onStreams(session.incomingBidirectionalStreams, async (stream) => {
    const writer = stream.writable.getWriter();
    for await (const chunk of stream.readable) await writer.write(encoder.encode(`ok:${decoder.decode(chunk)}`));
    await writer.close();
  });
}

/** Sends `text` and returns the answer, or "refused" when the stream ends or fails without one. */
async function tryStream(
  stream: WebTransportBidirectionalStream,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  text: string,
) {
  const writer = stream.writable.getWriter();
  await writer.write(encoder.encode(text)).catch(() => {});
  writer.releaseLock();
  const result = await withTimeout(
    reader.read().catch(() => ({ done: true, value: undefined })),
    "an answer or a refusal",
  );
  return result.done ? "refused" : decoder.decode(result.value);
}

Deno.test("maxStreamsPerSession: streams beyond the limit are refused, earlier ones keep working", async () => {
  const limit = 3;
  await withServer({ maxStreamsPerSession: limit }, async (fixture) => {
    const accepted = acceptAll(fixture, answerChunks);
    await withClient(fixture, async (client) => {
      const session = await client.open("/streams");
      await withTimeout(session.ready, "ready");
      const streams: WebTransportBidirectionalStream[] = [];
      const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
      const answers: string[] = [];
      // One at a time, so which ones are over the limit is well defined.
      for (let index = 0; index < limit + 2; index++) {
        const stream = await withTimeout(session.createBidirectionalStream(), "open a stream");
        streams.push(stream);
        readers.push(stream.readable.getReader());
        answers.push(await tryStream(stream, readers[index] as ReadableStreamDefaultReader<Uint8Array>, `#${index}`));
      }
      assert.deepEqual(answers, ["ok:#0", "ok:#1", "ok:#2", "refused", "refused"]);
      assert.ok(
        fixture.log.some((line) => line.includes("refused")),
        `the server logged the refusals: ${fixture.log.join("\n")}`,
      );
      const server = accepted[0];
      assert.ok(server);
      assert.equal(server.state, "open", "refusing streams does not end the session");

      // The accepted streams still work.
      for (let index = 0; index < limit; index++) {
        const stream = streams[index] as WebTransportBidirectionalStream;
        assert.equal(
          await tryStream(stream, readers[index] as ReadableStreamDefaultReader<Uint8Array>, `again${index}`),
          `ok:again${index}`,
        );
      }

      // Finishing one stream both ways frees its slot for a new one.
      const done = streams[0] as WebTransportBidirectionalStream;
      await withTimeout(done.writable.close(), "FIN");
      assert.deepEqual(await withTimeout((readers[0] as ReadableStreamDefaultReader<Uint8Array>).read(), "FIN back"), {
        done: true,
        value: undefined,
      });
      const replacement = await withTimeout(session.createBidirectionalStream(), "open a stream");
      assert.equal(await tryStream(replacement, replacement.readable.getReader(), "new"), "ok:new");
    });
  });
});

/** A pending read's outcome: "ended" (done), "errored", or the data it got. */
function outcome(read: Promise<ReadableStreamReadResult<Uint8Array>>): Promise<string> {
  return read.then(
    (result) => (result.done ? "ended" : `data: ${decoder.decode(result.value)}`),
    () => "errored",
  );
}

Deno.test("closing a session ends its open streams on both sides; another session on the connection keeps working", async () => {
  await withServer({}, async (fixture) => {
    // Server: session streams are held open and read (nothing is ever written), except on /alive.
    const held: Array<{ path: string; read: Promise<string> }> = [];
    const accepted = acceptAll(fixture, (session) => {
      const path = new URL(session.url).pathname;
      if (path === "/alive") return echoWithPrefix(session);
      onStreams(session.incomingBidirectionalStreams, async (stream) => {
        const reader = stream.readable.getReader();
        await reader.read(); // the opening chunk
        held.push({ path, read: outcome(reader.read()) });
      });
    });
    await withClient(fixture, async (client) => {
      const [byClient, byServer, alive] = await Promise.all([
        client.open("/closed-by-client"),
        client.open("/closed-by-server"),
        client.open("/alive"),
      ]);
      assert.ok(byClient && byServer && alive);
      await withTimeout(Promise.all([byClient.ready, byServer.ready, alive.ready]), "three sessions ready");

      const pendingAtClient: Array<Promise<string>> = [];
      for (const session of [byClient, byServer]) {
        const stream = await withTimeout(session.createBidirectionalStream(), "open a stream");
        const writer = stream.writable.getWriter();
        await withTimeout(writer.write(encoder.encode("hold")), "write");
        writer.releaseLock();
        pendingAtClient.push(outcome(stream.readable.getReader().read()));
      }
      // Wait until the server holds both streams with a read pending.
      for (let tries = 0; held.length < 2 && tries < 300; tries++) await delay(10);
      assert.equal(held.length, 2);
      const allReads = [...pendingAtClient, ...held.map((entry) => entry.read)];
      assert.equal(await settledState(Promise.race(allReads)), "pending", "no read ends before a close");

      byClient.close({ closeCode: 5, reason: "client ends it" });
      const serverByServer = accepted.find((session) => session.url.endsWith("/closed-by-server"));
      const serverByClient = accepted.find((session) => session.url.endsWith("/closed-by-client"));
      assert.ok(serverByServer && serverByClient);
      serverByServer.close({ closeCode: 6, reason: "server ends it" });

      assert.deepEqual(await withTimeout(serverByClient.closed, "server sees the client's close"), {
        closeCode: 5,
        reason: "client ends it",
      });
      assert.deepEqual(await withTimeout(byServer.closed, "client sees the server's close"), {
        closeCode: 6,
        reason: "server ends it",
      });
      for (const [index, pending] of pendingAtClient.entries()) {
        assert.match(await withTimeout(pending, `client read ${index}`), /^(ended|errored)$/);
      }
      for (const entry of held) {
        assert.match(await withTimeout(entry.read, `server read on ${entry.path}`), /^(ended|errored)$/);
      }
      for (const session of [byClient, byServer, serverByClient, serverByServer]) {
        assert.equal(session.state, "closed");
        assert.equal(session.openStreams, 0, "no stream half outlives its session");
      }
      await assert.rejects(byClient.createBidirectionalStream(), /closed/);

      // The third session, on the same QUIC connection, is untouched.
      assert.equal(client.connection.isClosed, false);
      assert.equal(client.connection.sessionCount, 1);
      assert.equal(await ask(alive, "still here"), "/alive:still here");
    });
  });
});

Deno.test("maxStreamsPerSession holds when many streams arrive at once", async () => {
  const limit = 3;
  await withServer({ maxStreamsPerSession: limit }, async (fixture) => {
    let peak = 0;
    const accepted = acceptAll(fixture, (session) => {
      onStreams(session.incomingBidirectionalStreams, async (stream) => {
        peak = Math.max(peak, session.openStreams);
        const writer = stream.writable.getWriter();
        for await (const chunk of stream.readable) await writer.write(encoder.encode(`ok:${decoder.decode(chunk)}`));
        await writer.close();
      });
    });
    await withClient(fixture, async (client) => {
      const session = await client.open("/burst");
      await withTimeout(session.ready, "ready");
      const streams = await Promise.all(
        Array.from({ length: 10 }, () => withTimeout(session.createBidirectionalStream(), "open a stream")),
      );
      const answers = await Promise.all(
        streams.map((stream, index) => tryStream(stream, stream.readable.getReader(), `#${index}`)),
      );
      assert.equal(answers.filter((answer) => answer !== "refused").length, limit, answers.join(", "));
      assert.ok(peak <= limit, `the server held ${peak} streams at once`);
      assert.equal(accepted[0]?.openStreams, limit);
    });
  });
});

const SETTINGS_FRAME = encodeFrame(FrameType.SETTINGS, encodeSettings(new Map([[0x01, 0]])));

/** Unidirectional streams a misbehaving client sends, and the HTTP/3 code the server must close with. */
const VIOLATIONS: Array<{ name: string; streams: Uint8Array[]; code: number }> = [
  {
    name: "a control stream that does not begin with SETTINGS",
    streams: [concatBytes(encodePrefix(StreamType.CONTROL), encodeFrame(FrameType.DATA, new Uint8Array(0)))],
    code: H3.MISSING_SETTINGS,
  },
  {
    name: "an HTTP/2-only frame type on the control stream",
    streams: [concatBytes(encodePrefix(StreamType.CONTROL), SETTINGS_FRAME, encodeFrame(0x06, new Uint8Array(8)))],
    code: H3.FRAME_UNEXPECTED,
  },
  {
    name: "an HTTP/2-only setting",
    streams: [
      concatBytes(encodePrefix(StreamType.CONTROL), encodeFrame(FrameType.SETTINGS, Uint8Array.of(0x02, 0x00))),
    ],
    code: H3.SETTINGS_ERROR,
  },
  {
    name: "a second control stream",
    streams: [
      concatBytes(encodePrefix(StreamType.CONTROL), SETTINGS_FRAME),
      concatBytes(encodePrefix(StreamType.CONTROL), SETTINGS_FRAME),
    ],
    code: H3.STREAM_CREATION_ERROR,
  },
  {
    name: "a push stream from a client",
    streams: [encodePrefix(StreamType.PUSH, 0)],
    code: H3.STREAM_CREATION_ERROR,
  },
  {
    name: "a WebTransport stream naming a session id that is not a client bidirectional stream",
    streams: [encodePrefix(StreamType.WEBTRANSPORT, 1)],
    code: H3.ID_ERROR,
  },
];

Deno.test("protocol violations close the connection with their HTTP/3 error code", async () => {
  await withServer({}, async (fixture) => {
    for (const violation of VIOLATIONS) {
      const quic = await withTimeout(
        Deno.connectQuic<false>({
          hostname: "127.0.0.1",
          port: fixture.server.addr.port,
          alpnProtocols: ["h3"],
          caCerts: [certificate.certPem],
        }),
        "QUIC connect",
      );
      const writers: WritableStreamDefaultWriter<Uint8Array>[] = [];
      try {
        for (const bytes of violation.streams) {
          const writer = (await withTimeout(quic.createUnidirectionalStream(), "open a stream")).getWriter();
          writers.push(writer); // held: Deno finishes a stream whose writer is garbage collected
          await withTimeout(writer.write(bytes), "write");
        }
        const info = await withTimeout(quic.closed, `the server to close on ${violation.name}`);
        assert.equal(
          info.closeCode,
          violation.code,
          `${violation.name}: 0x${info.closeCode.toString(16)} (${info.reason})`,
        );
      } finally {
        quic.close();
      }
    }
    assert.equal(fixture.log.filter((line) => line.includes("closing it")).length, VIOLATIONS.length);
  });
});
