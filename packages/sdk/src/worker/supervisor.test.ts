// A publisher that leaves and starts again, numbering its groups from 0 again (moq-dev's @moq/publish
// does), seen through the worker: the supervisor starts the track over with the new publication, so
// pulls get the new run, also when it started while the worker's session was down; within one
// publication, and across a reconnect that finds it still live, a held group is still refused.
import { afterEach, describe, expect, it } from "vitest";
import { createTrack, type TrackPublisher, type TrackSubscriber } from "../cache/index.ts";
import {
  type Broadcast,
  type Session,
  type SessionOptions,
  startClientSession,
  startServerSession,
} from "../session/index.ts";
import { createTransportPair } from "../session/mock-transport.ts";
import { type PulledSegment, type TrackChange, WorkerClient } from "./client.ts";

const NAMESPACE = ["live", "restart"];
const TRACK = "catalog.json";

/** A "relay" with one broadcast whose track the test starts, stops and starts again. */
function relay() {
  const servers: Session[] = [];
  const broadcasts: Broadcast[] = [];
  let run: { input: TrackPublisher; root: TrackSubscriber } | undefined;
  return {
    servers,
    /** A new publication of the track: a new cache track, served under the same name. */
    start(): TrackPublisher {
      const [input, root] = createTrack("served", { keepLatest: true });
      run = { input, root };
      for (const broadcast of broadcasts) if (!broadcast.isClosed) broadcast.addTrack(TRACK, root);
      return input;
    },
    /** The publisher leaves: its track ends (PUBLISH_DONE) and is no longer served. */
    stop(): void {
      run?.input.close();
      for (const broadcast of broadcasts) if (!broadcast.isClosed) broadcast.removeTrack(TRACK);
      run?.root.close();
      run = undefined;
    },
    connect: async (options: SessionOptions) => {
      const [clientEnd, serverEnd] = createTransportPair();
      const [client, server] = await Promise.all([
        startClientSession(clientEnd, options),
        startServerSession(serverEnd, {}).then((session) => {
          const broadcast = session.publish(NAMESPACE);
          broadcasts.push(broadcast);
          if (run !== undefined) broadcast.addTrack(TRACK, run.root);
          return session;
        }),
      ]);
      servers.push(server);
      return client;
    },
  };
}

/** One object per group, naming its run and group: "run 1 group 0". */
function write(track: TrackPublisher, run: number, group: number): void {
  const segment = track.createSegment({ sequence: group, priority: 0 });
  segment.writeChunk(new TextEncoder().encode(`run ${run} group ${group}`));
  segment.close();
}

async function text(segment: PulledSegment | undefined): Promise<string> {
  if (segment === undefined) throw new Error("the pull ended");
  const parts: string[] = [];
  for await (const chunk of segment) parts.push(new TextDecoder().decode(chunk));
  return parts.join("");
}

function within<T>(promise: Promise<T>, ms = 3_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);
}

async function until(condition: () => boolean, ms = 3_000): Promise<void> {
  await within(
    (async () => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
    })(),
    ms,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const clients: WorkerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
});

async function connected(upstream: ReturnType<typeof relay>) {
  const client = WorkerClient.inline({ connect: (_relay, options) => upstream.connect(options) });
  clients.push(client);
  const changes: TrackChange[] = [];
  client.onTrack((change) => changes.push(change));
  await client.connect("https://relay.test/", {
    liveness: { intervalMs: 0 },
    reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
  });
  const track = await client.subscribe({ namespace: NAMESPACE, name: TRACK });
  return { client, track, changes };
}

/** A pull that got the first run's groups 0..3, one at a time. */
async function pulledFirstRun(upstream: ReturnType<typeof relay>) {
  const input = upstream.start();
  const { client, track, changes } = await connected(upstream);
  const pull = client.pull([track], { credit: 1 });
  await until(() => changes.some((change) => change.status === "active"));
  for (let group = 0; group <= 3; group++) {
    write(input, 1, group);
    expect(await within(text(await within(pull.next())))).toBe(`run 1 group ${group}`);
  }
  return { client, track, changes, pull };
}

describe("a publisher that starts again from group 0", () => {
  it("hands the open pull the new run's group 0 (and 1, 2) after the old run's 0..3", async () => {
    const upstream = relay();
    const { client, track, changes, pull } = await pulledFirstRun(upstream);

    upstream.stop();
    await until(() => changes.at(-1)?.status === "waiting");
    await sleep(50); // refused at least once meanwhile: the publisher is away
    const input = upstream.start();
    write(input, 2, 0);
    expect(await within(text(await within(pull.next())))).toBe("run 2 group 0");
    write(input, 2, 1);
    expect(await within(text(await within(pull.next())))).toBe("run 2 group 1");
    expect(changes.at(-1)?.status).toBe("active");
    // The old run's groups (kept without a time to live) are gone: the worker holds the new run only.
    expect((await client.stats()).tracks.find((held) => held.trackId === track.id)?.segments).toBe(2);
    pull.close();
  });

  it("hands a catalog written once as group 0 again, when a new publication writes its own group 0", async () => {
    const upstream = relay();
    let input = upstream.start();
    write(input, 1, 0);
    const { client, track, changes } = await connected(upstream);
    const pull = client.pull([track], { credit: 1 });
    expect(await within(text(await within(pull.next())))).toBe("run 1 group 0");

    upstream.stop();
    await until(() => changes.at(-1)?.status === "waiting");
    await sleep(50); // refused at least once meanwhile: the publisher is away
    // While the publisher is away the worker still holds the old catalog.
    expect((await client.stats()).tracks.find((held) => held.trackId === track.id)?.segments).toBe(1);
    input = upstream.start();
    write(input, 2, 0);
    expect(await within(text(await within(pull.next())))).toBe("run 2 group 0");
    pull.close();
  });

  it("starts over when the publisher started again while the session was down (SUBSCRIBE_OK's largest is below)", async () => {
    const upstream = relay();
    const { client, track, pull } = await pulledFirstRun(upstream);

    // The session drops first, so this subscription never hears the old publication end; while it is
    // down the publisher starts again from group 0 and gets to group 1.
    upstream.servers[0]?.close(0x3, "relay restarting");
    upstream.stop();
    const input = upstream.start();
    write(input, 2, 0);
    write(input, 2, 1);
    await until(() => client.state.sessions >= 2 && client.state.state === "connected");
    // The new session subscribes and is sent the latest group (1): not refused as one it holds.
    expect(await within(text(await within(pull.next())))).toBe("run 2 group 1");
    write(input, 2, 2);
    expect(await within(text(await within(pull.next())))).toBe("run 2 group 2");
    // The old run's groups are gone: the worker holds the new run only.
    expect((await client.stats()).tracks.find((held) => held.trackId === track.id)?.segments).toBe(2);
    pull.close();
  });

  it("still refuses a group it holds when a reconnect finds the same publication live", async () => {
    const upstream = relay();
    const input = upstream.start();
    const { client, track, changes } = await connected(upstream);
    const pull = client.pull([track], { credit: 1 });
    await until(() => changes.some((change) => change.status === "active"));
    write(input, 1, 0);
    write(input, 1, 1);
    const seen = [await within(text(await within(pull.next()))), await within(text(await within(pull.next())))];
    expect(seen.sort()).toEqual(["run 1 group 0", "run 1 group 1"]);

    // The session drops; the new one subscribes again and is sent the latest group (1) again.
    upstream.servers[0]?.close(0x3, "relay restarting");
    await until(() => client.state.sessions >= 2 && client.state.state === "connected");
    await sleep(100);
    write(input, 1, 2);
    // Group 1 is not handed over twice: the next the pull gets is group 2.
    expect(await within(text(await within(pull.next())))).toBe("run 1 group 2");
    pull.close();
  });
});
