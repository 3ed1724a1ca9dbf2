// Connection and session limits of the real relay process (issue 11, items 6 and 11): a flood of QUIC
// connections that never send a request, from one address or many, cannot exhaust the relay; each
// is refused or closed within the request timeout, and a good WebTransport session beside the flood
// keeps echoing. A relay killed without a word is noticed by its peers within a few seconds.
import assert from "node:assert/strict";
import { delay, type Relay, startRelay, stopRelay, withTimeout } from "../relay-process.ts";
import { connect } from "./client.ts";
import type { WebTransportSession } from "./session.ts";

const WAIT_MS = 5_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Flooder {
  /** Settles once the connection attempt is refused or the connection, once made, is closed. */
  gone: Promise<void>;
  isGone(): boolean;
  close(): void;
}

/** A QUIC connection (ALPN h3) that never opens a stream: kept alive by its own PINGs, idle for days. */
function flooder(relay: Relay, hostname = "127.0.0.1"): Flooder {
  let gone = false;
  let conn: Deno.QuicConn | undefined;
  const endpoint = new Deno.QuicEndpoint({ hostname, port: 0 });
  const attempt = Deno.connectQuic<false>({
    hostname: "127.0.0.1",
    port: relay.port,
    alpnProtocols: ["h3"],
    caCerts: [relay.pem],
    endpoint,
    keepAliveInterval: 1_000,
    maxIdleTimeout: 60_000,
  });
  const settled = attempt
    .then(
      (made) => {
        conn = made;
        return made.closed.then(() => {});
      },
      () => {},
    )
    .finally(() => {
      gone = true;
    });
  return {
    gone: settled,
    isGone: () => gone,
    close: () => {
      try {
        conn?.close({ closeCode: 0, reason: "" });
      } catch {
        // already closed
      }
      attempt.then(
        (made) => {
          try {
            made.close({ closeCode: 0, reason: "" });
          } catch {
            // already closed
          }
        },
        () => {},
      );
    },
  };
}

async function closeAll(flooders: Flooder[]): Promise<void> {
  for (const one of flooders) one.close();
  await withTimeout(Promise.all(flooders.map((one) => one.gone)), WAIT_MS, "the flood connections to end").catch(
    () => {},
  );
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

/** One echo round trip on a new bidirectional stream, within `WAIT_MS`. */
async function echo(session: WebTransportSession, text: string): Promise<void> {
  const stream = await withTimeout(session.createBidirectionalStream(), WAIT_MS, "a stream");
  const writer = stream.writable.getWriter();
  await writer.write(encoder.encode(text));
  await writer.close();
  let back = "";
  for await (const chunk of stream.readable) back += decoder.decode(chunk, { stream: true });
  assert.equal(back, text);
}

async function closeSession(session: WebTransportSession): Promise<void> {
  session.close();
  await session.closed.catch(() => {});
  await delay(100); // the client closes its connection 50 ms after its session ends
}

Deno.test("a flood of 50 connections that never send a request: at most --max-connections are held, each for at most --request-timeout-ms", async () => {
  const relay = await startRelay(["--max-connections", "20", "--request-timeout-ms", "1500"]);
  const flood: Flooder[] = [];
  try {
    const good = await goodSession(relay);
    await echo(good, "before the flood");
    for (let i = 0; i < 50; i++) flood.push(flooder(relay));
    await delay(800);
    const held = flood.filter((one) => !one.isGone()).length;
    console.log(`${held} of 50 idle connections held 800 ms in`);
    assert.ok(held <= 19, `${held} of 50 idle connections held 800 ms in (limit 20, one taken by the good session)`);
    await echo(good, "during the flood");
    // Past the request timeout, no idle connection is left.
    const floodedAt = Date.now();
    await withTimeout(Promise.all(flood.map((one) => one.gone)), 3_000, "every idle connection to be closed");
    console.log(`every idle connection gone ${Date.now() - floodedAt + 800} ms after the flood began`);
    await echo(good, "after the flood");
    const fresh = await goodSession(relay);
    await echo(fresh, "a new session after the flood");
    await closeSession(fresh);
    await closeSession(good);
  } finally {
    await closeAll(flood);
    await stopRelay(relay);
  }
});

Deno.test("--max-connections-per-address: a flood from 127.0.0.2 is capped while 127.0.0.1 still connects", async () => {
  const relay = await startRelay(["--max-connections-per-address", "5", "--request-timeout-ms", "10000"]);
  const flood: Flooder[] = [];
  try {
    for (let i = 0; i < 20; i++) flood.push(flooder(relay, "127.0.0.2"));
    await delay(800);
    const held = flood.filter((one) => !one.isGone()).length;
    assert.ok(held <= 5, `${held} of 20 connections from one address held (limit 5)`);
    assert.ok(held >= 1, "the address may still hold connections up to its limit");
    const good = await goodSession(relay);
    await echo(good, "from another address");
    await closeSession(good);
  } finally {
    await closeAll(flood);
    await stopRelay(relay);
  }
});

/** With `limit` sessions open, one more is answered `status`; once one closes, its slot is reused. */
async function sessionLimit(flag: string, limit: number, status: number): Promise<void> {
  const relay = await startRelay([flag, String(limit)]);
  const sessions: WebTransportSession[] = [];
  try {
    for (let i = 0; i < limit; i++) sessions.push(await goodSession(relay));
    const refused = await withTimeout(
      connect(`https://127.0.0.1:${relay.port}/echo`, { caCerts: [relay.pem] }),
      WAIT_MS,
      "the session request past the limit",
    );
    await assert.rejects(
      withTimeout(refused.ready, WAIT_MS, "the answer past the limit"),
      new RegExp(`answered ${status}`),
    );
    await closeSession(sessions.shift() as WebTransportSession);
    const reused = await goodSession(relay);
    sessions.push(reused);
    await echo(reused, "in the freed slot");
  } finally {
    for (const session of sessions) await closeSession(session);
    await stopRelay(relay);
  }
}

Deno.test("--max-sessions-total: one session more is answered 503; a freed slot is reused", () =>
  sessionLimit("--max-sessions-total", 3, 503));

Deno.test("--max-sessions-per-address: one session more from the address is answered 429; a freed slot is reused", () =>
  sessionLimit("--max-sessions-per-address", 2, 429));

Deno.test("a relay killed with SIGKILL is noticed by an idle peer within a few seconds (--idle-timeout-ms 5000)", async () => {
  const relay = await startRelay(["--idle-timeout-ms", "5000"]);
  const conn = await withTimeout(
    Deno.connectQuic<false>({
      hostname: "127.0.0.1",
      port: relay.port,
      alpnProtocols: ["h3"],
      caCerts: [relay.pem],
      maxIdleTimeout: 60_000, // the relay's own idle timeout must decide
    }),
    WAIT_MS,
    "the QUIC handshake",
  );
  // Open a stream so the connection is in use, as a session would be.
  const stream = await conn.createUnidirectionalStream();
  const writer = stream.getWriter();
  await writer.write(new Uint8Array([0x00, 0x04, 0x00])); // control stream, empty SETTINGS
  await delay(1_500); // live and idle: the relay's keep-alive holds it
  const killedAt = Date.now();
  relay.child.kill("SIGKILL");
  await relay.status;
  // The idle timeout ends `closed` with a rejection ("timed out"); a close frame would resolve it.
  const ended = await withTimeout(
    conn.closed.then(
      () => "closed",
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    ),
    8_000,
    "the peer to notice the dead relay",
  );
  const noticedMs = Date.now() - killedAt;
  console.log(`a SIGKILLed relay noticed after ${noticedMs} ms (${ended})`);
  assert.ok(noticedMs <= 8_000, `noticed after ${noticedMs} ms`);
  writer.releaseLock();
  await stopRelay(relay);
});
