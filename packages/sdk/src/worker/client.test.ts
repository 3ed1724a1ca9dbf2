// The worker client with the service inline (a MessageChannel), against in-process server sessions
// over the mock transport: the same protocol, transfers and reconnects as in a dedicated Worker.
import { afterEach, describe, expect, it } from "vitest";
import { createTrack, type TrackPublisher } from "../cache/index.ts";
import { type Session, type SessionOptions, startClientSession, startServerSession } from "../session/index.ts";
import { createTransportPair } from "../session/mock-transport.ts";
import type { PulledSegment } from "./client.ts";
import { type StateChange, WorkerClient } from "./client.ts";
import { WorkerError } from "./errors.ts";

const NAMESPACE = ["live", "test"];

/** A "relay" that serves one cache track under NAMESPACE/data, session after session. */
function relay() {
  const [input, root] = createTrack("served", { keepLatest: true });
  const servers: Session[] = [];
  let opened = 0;
  return {
    input,
    servers,
    get opened() {
      return opened;
    },
    connect: async (options: SessionOptions) => {
      opened++;
      const [clientEnd, serverEnd] = createTransportPair();
      const [client, server] = await Promise.all([
        startClientSession(clientEnd, options),
        startServerSession(serverEnd, {}).then((session) => {
          session.publish(NAMESPACE).addTrack("data", root);
          return session;
        }),
      ]);
      servers.push(server);
      return client;
    },
  };
}

function bytesOf(sequence: number, index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (sequence * 31 + index * 7 + i) & 0xff;
  return bytes;
}

function write(track: TrackPublisher, sequence: number, priority: number, sizes: number[]): void {
  const segment = track.createSegment({ sequence, priority });
  for (const [index, size] of sizes.entries()) segment.writeChunk(bytesOf(sequence, index, size));
  segment.close();
}

async function readAll(segment: PulledSegment): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of segment) chunks.push(chunk);
  return chunks;
}

function within<T>(promise: Promise<T>, ms = 3_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);
}

const clients: WorkerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
});

/** The worker's session options (ownObjectBuffers, ...) reach the in-process session. */
function inlineClient(connect: (options: SessionOptions) => Promise<Session>): WorkerClient {
  const client = WorkerClient.inline({ connect: (_relay, options) => connect(options) });
  clients.push(client);
  return client;
}

describe("WorkerClient with an inline worker", () => {
  it("subscribes, then pulls segments streamed chunk by chunk, bytes intact and in order", async () => {
    const upstream = relay();
    const client = inlineClient(upstream.connect);
    await client.connect("https://relay.test/", { liveness: { intervalMs: 0 } });
    const track = await client.subscribe({ namespace: NAMESPACE, name: "data" });
    const pull = client.pull([track], { credit: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    write(upstream.input, 0, 0, [10, 0, 3000]);
    const segment = await within(pull.next());
    expect(segment?.sequence).toBe(0);
    const chunks = await within(readAll(segment as PulledSegment));
    expect(chunks.map((chunk) => chunk.byteLength)).toEqual([10, 0, 3000]);
    for (const [index, chunk] of chunks.entries()) expect(chunk).toEqual(bytesOf(0, index, chunk.byteLength));
    const stats = await client.stats();
    expect(stats.state).toBe("connected");
    // Each received object has a buffer of its own and the pull is the track's only reader: no copy.
    expect(stats.transferredChunks).toBe(3);
    expect(stats.copiedChunks).toBe(0);
    pull.close();
  });

  it("publishes: the page's buffers are transferred, and a peer subscribing gets the bytes", async () => {
    const sessions: { client: Session; server: Session }[] = [];
    const client = inlineClient(async () => {
      const [clientEnd, serverEnd] = createTransportPair();
      const [a, b] = await Promise.all([startClientSession(clientEnd, {}), startServerSession(serverEnd, {})]);
      sessions.push({ client: a, server: b });
      return a;
    });
    await client.connect("https://relay.test/", { liveness: { intervalMs: 0 } });
    const track = await client.publish({ namespace: NAMESPACE, name: "out" });
    const server = sessions[0]?.server as Session;
    const subscription = server.subscribe(NAMESPACE, "out");
    await within(subscription.ready);
    const writer = track.segment({ sequence: 7, priority: 3 });
    const chunk = bytesOf(7, 0, 500);
    writer.write(chunk);
    // A view into a larger buffer is copied, so the rest of that buffer stays the page's.
    const larger = new Uint8Array(64);
    writer.write(larger.subarray(8, 16));
    writer.end();
    await writer.opened;
    expect(chunk.byteLength).toBe(0); // transferred
    expect(larger.byteLength).toBe(64);
    const segment = await within(subscription.track.nextSegment());
    expect(segment?.sequence).toBe(7);
    expect(segment?.priority).toBe(3);
    expect(await segment?.readChunk()).toEqual(bytesOf(7, 0, 500));
    expect((await segment?.readChunk())?.byteLength).toBe(8);
  });

  it("reconnects after the session drops, into the same track: the pull carries on", async () => {
    const upstream = relay();
    const client = inlineClient(upstream.connect);
    const states: StateChange[] = [];
    client.onState((change) => states.push(change));
    await client.connect("https://relay.test/", { liveness: { intervalMs: 0 }, reconnect: { initialDelayMs: 10 } });
    const track = await client.subscribe({ namespace: NAMESPACE, name: "data" });
    const pull = client.pull([track]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    write(upstream.input, 0, 0, [100]);
    const first = await within(pull.next());
    expect(await within(readAll(first as PulledSegment))).toHaveLength(1);

    upstream.servers[0]?.close(0x3, "relay restarting");
    await within(
      (async () => {
        while (client.state.sessions < 2 || client.state.state !== "connected")
          await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    write(upstream.input, 1, 0, [200, 300]);
    const second = await within(pull.next());
    expect(second?.sequence).toBe(1);
    const chunks = await within(readAll(second as PulledSegment));
    expect(chunks).toEqual([bytesOf(1, 0, 200), bytesOf(1, 1, 300)]);
    expect(states.map((change) => change.state)).toEqual(["connecting", "connected", "reconnecting", "connected"]);
    expect(states[2]?.error).toBeInstanceOf(WorkerError);
    expect(upstream.opened).toBe(2);
    pull.close();
  });

  it("moves to a new session at once when the relay sends GOAWAY", async () => {
    const upstream = relay();
    const client = inlineClient(upstream.connect);
    const states: StateChange[] = [];
    client.onState((change) => states.push(change));
    // A long first delay: a GOAWAY must not wait for it.
    await client.connect("https://relay.test/", { liveness: { intervalMs: 0 }, reconnect: { initialDelayMs: 5_000 } });
    const track = await client.subscribe({ namespace: NAMESPACE, name: "data" });
    const pull = client.pull([track]);
    const started = Date.now();
    upstream.servers[0]?.goAway("");
    await within(
      (async () => {
        while (client.state.sessions < 2 || client.state.state !== "connected")
          await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      1_000,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(states[2]?.error?.message).toMatch(/GOAWAY/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    write(upstream.input, 4, 0, [64]);
    const segment = await within(pull.next());
    expect(segment?.sequence).toBe(4);
    expect(await within(readAll(segment as PulledSegment))).toEqual([bytesOf(4, 0, 64)]);
    pull.close();
  });

  it("answers a bad message with a bad-request error and keeps working", async () => {
    const upstream = relay();
    const client = inlineClient(upstream.connect);
    await expect(client.subscribe({ namespace: [], name: "x" })).rejects.toThrow(/track.namespace/);
    await expect(client.request({ type: "close-track", id: 0, trackId: 999 })).rejects.toMatchObject({
      code: "unknown-track",
    });
    await client.connect("https://relay.test/", { liveness: { intervalMs: 0 } });
    expect((await client.stats()).state).toBe("connected");
  });

  it("fails connect() after three failed attempts, with the error", async () => {
    let attempts = 0;
    const client = inlineClient(async () => {
      attempts++;
      throw new Error("refused");
    });
    const failure = client.connect("https://relay.test/", { reconnect: { initialDelayMs: 1, maxDelayMs: 2 } });
    await expect(failure).rejects.toMatchObject({ code: "connect-failed", message: "refused" });
    expect(attempts).toBe(3);
    expect(client.state.state).toBe("closed");
    // Once closed for good, connect() may be tried again.
    await expect(client.connect("https://relay.test/", { reconnect: { initialDelayMs: 1 } })).rejects.toMatchObject({
      code: "connect-failed",
    });
    expect(attempts).toBe(6);
  });
});

describe("WorkerClient's request ids", () => {
  it("drops a reply nobody waits for, and resolves the one that matches", async () => {
    const channel = new MessageChannel();
    const client = new WorkerClient(channel.port1);
    const seen: { id: number; type: string }[] = [];
    channel.port2.onmessage = (event: MessageEvent<{ id: number; type: string }>) => seen.push(event.data);
    const stats = client.stats();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const id = seen[0]?.id as number;
    channel.port2.postMessage({ type: "reply", id: id + 100, ok: true, value: { state: "stale" } });
    channel.port2.postMessage({ type: "reply", id, ok: true, value: { state: "idle" } });
    expect(await stats).toEqual({ state: "idle" });
    channel.port1.close();
    channel.port2.close();
  });
});
