// Robustness of the real relay process against hostile HTTP/3 peers. Each case opens a raw QUIC
// connection that hand-writes protocol violations, and checks the close code the relay sends (and
// the line it logs for it), while a well-behaved WebTransport session keeps echoing throughout:
// one violating connection is closed, and nothing else notices.
import assert from "node:assert/strict";
import { delay, isRunning, type Relay, startRelay, waitForLine, withTimeout } from "./relay-process.ts";
import { connect } from "./webtransport/client.ts";
import { H3 } from "./webtransport/errors.ts";
import { concatBytes, encodeFrame, encodePrefix, FrameType, StreamType } from "./webtransport/frames.ts";
import { decodeFieldSection, encodeFieldSection, type HeaderField } from "./webtransport/qpack.ts";
import type { WebTransportSession } from "./webtransport/session.ts";
import { seededRandom } from "./webtransport/test-bytes.ts";

const ECHO_BYTES = 256 * 1024;
const WAIT_MS = 5_000;

// ---- small utilities -----------------------------------------------------------------------------

function randomBytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads a stream to its end, bounded in bytes. */
async function readAll(readable: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of readable) {
    chunks.push(chunk);
    total += chunk.length;
    if (total > max) throw new Error(`read more than ${max} bytes`);
  }
  return concatBytes(...chunks);
}

// ---- raw HTTP/3 -------------------------------------------------------------------------------

interface Raw {
  conn: Deno.QuicConn;
  /** The client's UDP port, which the relay names in its log lines. */
  port: number;
  /** Writers kept referenced: Deno finishes a stream whose objects are garbage collected. */
  keep: WritableStreamDefaultWriter<Uint8Array>[];
}

async function rawConnect(relay: Relay): Promise<Raw> {
  const conn = await withTimeout(
    Deno.connectQuic<false>({
      hostname: "127.0.0.1",
      port: relay.port,
      alpnProtocols: ["h3"],
      caCerts: [relay.pem],
      maxIdleTimeout: 10_000,
    }),
    WAIT_MS,
    "the QUIC handshake",
  );
  return { conn, port: conn.endpoint.addr.port, keep: [] };
}

/** Writes `data` on a new stream; `fin` finishes it. Write errors (connection closed) are ignored. */
async function sendUni(raw: Raw, data: Uint8Array, fin = false): Promise<WritableStreamDefaultWriter<Uint8Array>> {
  const stream = await raw.conn.createUnidirectionalStream();
  const writer = stream.getWriter();
  raw.keep.push(writer);
  await writer.write(data).catch(() => {});
  if (fin) await writer.close().catch(() => {});
  return writer;
}

async function sendBidi(raw: Raw, data: Uint8Array, fin = false): Promise<Deno.QuicBidirectionalStream> {
  const stream = await raw.conn.createBidirectionalStream();
  const writer = stream.writable.getWriter();
  raw.keep.push(writer);
  await writer.write(data).catch(() => {});
  if (fin) await writer.close().catch(() => {});
  return stream;
}

/** A proper control stream: type 0x00, then an empty SETTINGS frame. Left open, as it must be. */
function sendControl(raw: Raw): Promise<WritableStreamDefaultWriter<Uint8Array>> {
  return sendUni(raw, concatBytes(encodePrefix(StreamType.CONTROL), encodeFrame(FrameType.SETTINGS, bytes())));
}

function connectRequest(path: string, extra: HeaderField[] = []): HeaderField[] {
  return [
    { name: ":method", value: "CONNECT" },
    { name: ":scheme", value: "https" },
    { name: ":authority", value: "127.0.0.1" },
    { name: ":path", value: path },
    { name: ":protocol", value: "webtransport" },
    ...extra,
  ];
}

function headersFrame(fields: HeaderField[]): Uint8Array {
  return encodeFrame(FrameType.HEADERS, encodeFieldSection(fields));
}

async function closeCode(raw: Raw): Promise<number> {
  const info = await withTimeout(raw.conn.closed, WAIT_MS, "the relay to close the connection");
  return info.closeCode;
}

function hex(code: number): string {
  return `0x${code.toString(16)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---- the well-behaved session ---------------------------------------------------------------------

/**
 * Echoes 256 KiB on one stream of `session`, half written before `during` runs and half after it
 * returned, and checks every byte came back: the stream lives through the whole attack.
 */
async function echoAcross(session: WebTransportSession, seed: number, during: () => Promise<void>): Promise<void> {
  const payload = randomBytes(seededRandom(seed), ECHO_BYTES);
  const stream = await withTimeout(session.createBidirectionalStream(), WAIT_MS, "a good stream");
  const writer = stream.writable.getWriter();
  const echoed = readAll(stream.readable, ECHO_BYTES);
  echoed.catch(() => {});
  await withTimeout(writer.write(payload.subarray(0, ECHO_BYTES / 2)), WAIT_MS, "the first half of the echo");
  await during();
  await withTimeout(writer.write(payload.subarray(ECHO_BYTES / 2)), WAIT_MS, "the second half of the echo");
  await withTimeout(writer.close(), WAIT_MS, "the end of the echo stream");
  const back = await withTimeout(echoed, 10_000, "the echo");
  assert.equal(back.length, ECHO_BYTES, "echo length");
  assert.ok(sameBytes(back, payload), "the echo came back intact");
}

async function goodSession(relay: Relay): Promise<WebTransportSession> {
  const session = await withTimeout(
    connect(`https://127.0.0.1:${relay.port}/echo`, { caCerts: [relay.pem] }),
    WAIT_MS,
    "a good session",
  );
  await withTimeout(session.ready, WAIT_MS, "the good session to be ready");
  return session;
}

// ---- the cases ------------------------------------------------------------------------------------

Deno.test({
  name: "the relay closes only the violating connection, with the right HTTP/3 code",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const relay = await startRelay();
    let session: WebTransportSession | undefined;
    let seed = 1;
    try {
      session = await goodSession(relay);
      const good = session;

      /** One violating connection: `attack` writes the bytes; the relay must close it with `code`. */
      const expectClose = async (code: number, attack: (raw: Raw) => Promise<unknown>) => {
        await echoAcross(good, seed++, async () => {
          const raw = await rawConnect(relay);
          try {
            await attack(raw);
            assert.equal(hex(await closeCode(raw)), hex(code), "close code");
            await waitForLine(
              relay.lines,
              new RegExp(`^connection [^ ]+:${raw.port}: ${escapeRegExp(hex(code))} .*; closing it$`),
            );
          } finally {
            raw.conn.close({ closeCode: H3.NO_ERROR, reason: "" });
          }
        });
      };

      await t.step("a huge bogus HEADERS length, then garbage and FIN: H3_EXCESSIVE_LOAD", async () => {
        // The length is refused before anything is read or allocated.
        const garbage = randomBytes(seededRandom(7), 64);
        await expectClose(H3.EXCESSIVE_LOAD, (raw) =>
          sendBidi(raw, concatBytes(encodePrefix(FrameType.HEADERS, 0x3fff_ffff), garbage), true),
        );
      });

      await t.step("an unknown frame with a bogus length, then FIN: H3_FRAME_ERROR", async () => {
        // Unknown frame types are skipped, but a stream ending inside one is a truncated frame.
        const garbage = randomBytes(seededRandom(8), 64);
        await expectClose(H3.FRAME_ERROR, (raw) =>
          sendBidi(raw, concatBytes(encodePrefix(0x21, 0x3fff_ffff), garbage), true),
        );
      });

      await t.step("a truncated HEADERS frame: H3_FRAME_ERROR", async () => {
        await expectClose(H3.FRAME_ERROR, (raw) =>
          sendBidi(raw, concatBytes(encodePrefix(FrameType.HEADERS, 100), randomBytes(seededRandom(9), 10)), true),
        );
      });

      await t.step("a control stream that starts with GOAWAY: H3_MISSING_SETTINGS", async () => {
        await expectClose(H3.MISSING_SETTINGS, (raw) =>
          sendUni(raw, concatBytes(encodePrefix(StreamType.CONTROL), encodeFrame(FrameType.GOAWAY, bytes(0)))),
        );
      });

      await t.step("a second control stream: H3_STREAM_CREATION_ERROR", async () => {
        await expectClose(H3.STREAM_CREATION_ERROR, async (raw) => {
          await sendControl(raw);
          await delay(50);
          await sendControl(raw);
        });
      });

      await t.step("HTTP/2-only frame types on a request stream: H3_FRAME_UNEXPECTED", async () => {
        for (const type of [0x02, 0x06, 0x08, 0x09]) {
          await expectClose(H3.FRAME_UNEXPECTED, (raw) => sendBidi(raw, encodeFrame(type, bytes(0, 0, 0, 0))));
        }
      });

      await t.step("DATA before HEADERS: H3_FRAME_UNEXPECTED", async () => {
        await expectClose(H3.FRAME_UNEXPECTED, (raw) =>
          sendBidi(
            raw,
            concatBytes(encodeFrame(FrameType.DATA, bytes(1, 2, 3)), headersFrame(connectRequest("/echo"))),
          ),
        );
      });

      await t.step("malformed QPACK blocks: QPACK_DECOMPRESSION_FAILED", async () => {
        const valid = encodeFieldSection(connectRequest("/echo"));
        // Required Insert Count 1 with a zero-capacity dynamic table.
        const insertCount = concatBytes(bytes(0x01), valid.subarray(1));
        // An Indexed Field Line with T=0: a dynamic table reference.
        const dynamicReference = concatBytes(valid, bytes(0x80));
        // A literal whose string length runs past the end of the block.
        const overrun = concatBytes(valid, bytes(0x5f, 0x1d, 0x7f));
        for (const block of [insertCount, dynamicReference, overrun]) {
          await expectClose(H3.QPACK_DECOMPRESSION_FAILED, (raw) =>
            sendBidi(raw, encodeFrame(FrameType.HEADERS, block)),
          );
        }
      });

      await t.step("a header block over the 16 KiB limit: H3_EXCESSIVE_LOAD", async () => {
        const block = encodeFieldSection(connectRequest("/echo", [{ name: "x-big", value: "a".repeat(30_000) }]));
        assert.ok(block.length > 16 * 1024, `the block is ${block.length} bytes`);
        await expectClose(H3.EXCESSIVE_LOAD, (raw) => sendBidi(raw, encodeFrame(FrameType.HEADERS, block)));
      });

      await t.step("a WebTransport stream naming a session id that is no request stream: H3_ID_ERROR", async () => {
        await expectClose(H3.ID_ERROR, (raw) => sendBidi(raw, encodePrefix(FrameType.WEBTRANSPORT_STREAM, 1)));
        await expectClose(H3.ID_ERROR, (raw) => sendUni(raw, encodePrefix(StreamType.WEBTRANSPORT, 6)));
      });

      await t.step(
        "QPACK encoder stream instructions for a zero-capacity table: QPACK_ENCODER_STREAM_ERROR",
        async () => {
          // Insert with static name reference, insert with literal name, set capacity 4096.
          for (const instruction of [
            bytes(0xc0, 0x01, 0x61),
            bytes(0x40, 0x01, 0x61, 0x01, 0x62),
            bytes(0x3f, 0xe1, 0x1f),
          ]) {
            await expectClose(H3.QPACK_ENCODER_STREAM_ERROR, (raw) =>
              sendUni(raw, concatBytes(encodePrefix(StreamType.QPACK_ENCODER), instruction)),
            );
          }
        },
      );

      await t.step("closing the control stream: H3_CLOSED_CRITICAL_STREAM", async () => {
        await expectClose(H3.CLOSED_CRITICAL_STREAM, async (raw) => {
          const control = await sendControl(raw);
          await delay(50);
          await control.close();
        });
      });

      await t.step("resetting the control stream: H3_CLOSED_CRITICAL_STREAM", async () => {
        await expectClose(H3.CLOSED_CRITICAL_STREAM, async (raw) => {
          const control = await sendControl(raw);
          await delay(50);
          await control.abort(H3.NO_ERROR);
        });
      });

      await t.step("an HTTP/2-only frame on an established CONNECT stream: H3_FRAME_UNEXPECTED", async () => {
        await expectClose(H3.FRAME_UNEXPECTED, async (raw) => {
          await sendControl(raw);
          const request = await raw.conn.createBidirectionalStream();
          const writer = request.writable.getWriter();
          raw.keep.push(writer);
          await writer.write(headersFrame(connectRequest("/echo")));
          const reader = request.readable.getReader();
          const response = await withTimeout(reader.read(), WAIT_MS, "the response");
          assert.ok(!response.done && response.value[0] === FrameType.HEADERS, "the session was accepted");
          await writer.write(encodeFrame(0x02, bytes(0)));
        });
      });

      await t.step("a WebTransport stream for an unknown session: refused, the connection lives on", async () => {
        await echoAcross(good, seed++, async () => {
          const raw = await rawConnect(relay);
          try {
            await sendControl(raw);
            // Bidirectional stream 0 and a unidirectional stream name session 4000, which nobody requested.
            const bidi = await sendBidi(
              raw,
              concatBytes(encodePrefix(FrameType.WEBTRANSPORT_STREAM, 4000), bytes(1, 2)),
            );
            await sendUni(raw, concatBytes(encodePrefix(StreamType.WEBTRANSPORT, 4000), bytes(3, 4)));
            // After the buffering window the relay refuses both streams and resets our bidirectional
            // one. Deno 2.9 reports a peer's RESET_STREAM as a plain end of stream, so all we can see
            // is that it ends without a byte echoed.
            const answer = await withTimeout(
              readAll(bidi.readable, 1024).catch(() => bytes()),
              WAIT_MS,
              "the refused stream to end",
            );
            assert.equal(answer.length, 0, "nothing came back on the refused stream");
            const refused = new RegExp(`^connection [^ ]+:${raw.port}: stream for unknown session 4000 refused$`);
            await waitForLine(relay.lines, refused);
            const deadline = Date.now() + WAIT_MS;
            while (relay.lines.filter((line) => refused.test(line)).length < 2 && Date.now() < deadline)
              await delay(20);
            assert.equal(relay.lines.filter((line) => refused.test(line)).length, 2, "both streams refused");

            // The connection is still up: a proper request on it gets its 200.
            const request = await sendBidi(raw, headersFrame(connectRequest("/echo")));
            const reader = request.readable.getReader();
            const first = await withTimeout(reader.read(), WAIT_MS, "the response");
            reader.releaseLock();
            assert.ok(!first.done, "a response arrived");
            const response = first.value;
            assert.equal(response[0], FrameType.HEADERS, "the response starts with HEADERS");
            const length = response[1] ?? 0;
            assert.ok(length < 0x40 && response.length >= 2 + length, "a short HEADERS frame, whole in one read");
            const fields = decodeFieldSection(response.subarray(2, 2 + length), { maxFieldSectionSize: 16 * 1024 });
            assert.deepEqual(
              fields.find((field) => field.name === ":status"),
              { name: ":status", value: "200" },
            );
            const settled = await Promise.race([raw.conn.closed.then(() => true), delay(100).then(() => false)]);
            assert.equal(settled, false, "the connection is still open");
            assert.ok(
              !relay.lines.some((line) => line.includes(`:${raw.port}: 0x`)),
              "no connection error was logged for this connection",
            );
          } finally {
            raw.conn.close({ closeCode: H3.NO_ERROR, reason: "" });
          }
        });
      });

      await t.step("50 connections sending random garbage at once", async () => {
        await echoAcross(good, seed++, async () => {
          const random = seededRandom(0x5eed);
          const plans = Array.from({ length: 50 }, (_, index) => ({
            index,
            streams: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
              bidirectional: random() < 0.5,
              // Half the streams start with a plausible prefix, so the garbage reaches deeper parsers.
              prefix: random() < 0.5 ? [0x00, 0x01, 0x02, 0x41, 0x54][Math.floor(random() * 5)] : undefined,
              data: randomBytes(random, 1 + Math.floor(random() * 2048)),
              fin: random() < 0.5,
            })),
          }));
          const closed = await Promise.all(
            plans.map(async (plan) => {
              const raw = await rawConnect(relay);
              try {
                for (const stream of plan.streams) {
                  const data =
                    stream.prefix === undefined ? stream.data : concatBytes(encodePrefix(stream.prefix), stream.data);
                  if (stream.bidirectional) await sendBidi(raw, data, stream.fin);
                  else await sendUni(raw, data, stream.fin);
                }
                // Some garbage is a valid prefix of something longer: those connections stay open.
                return await Promise.race([raw.conn.closed.then(() => true), delay(3_000).then(() => false)]);
              } finally {
                raw.conn.close({ closeCode: H3.NO_ERROR, reason: "" });
              }
            }),
          );
          assert.ok(closed.filter(Boolean).length > 0, "the relay closed some garbage connections");
          assert.ok(await isRunning(relay), "the relay is still running");
        });
        // And a brand-new session works too.
        const fresh = await goodSession(relay);
        await echoAcross(fresh, seed++, async () => {});
        fresh.close();
      });

      await t.step("the relay did not crash", async () => {
        assert.ok(await isRunning(relay), "the relay is still running");
        const output = [...relay.lines, ...relay.errors];
        assert.ok(!output.some((line) => line.includes("error: Uncaught")), output.join("\n"));
      });
    } finally {
      session?.close();
      relay.child.kill("SIGTERM");
      const status = await withTimeout(relay.status, WAIT_MS, "the relay to stop").catch(() => {
        relay.child.kill("SIGKILL");
        return relay.status;
      });
      const output = [...relay.lines, ...relay.errors];
      assert.ok(!output.some((line) => line.includes("error: Uncaught")), output.join("\n"));
      assert.ok(status.success || status.signal === "SIGTERM", `the relay exited with ${JSON.stringify(status)}`);
    }
  },
});
