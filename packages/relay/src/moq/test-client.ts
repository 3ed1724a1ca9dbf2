// Test helpers: MoQT client sessions on the Deno WebTransport client, against a relay process; a good
// publisher → subscriber pair to run beside an attack; raw sessions that write the wire by hand.
import assert from "node:assert/strict";
import { createTrack, type TrackSubscriber } from "@moqkit/sdk/cache";
import { RequestError, type Session, type SessionOptions, startClientSession } from "@moqkit/sdk/session";
import { encodeControlMessage, SetupParameter } from "@moqkit/sdk/wire";
import { delay, type Relay, withTimeout } from "../relay-process.ts";

export { delay, withTimeout } from "../relay-process.ts";

import { connect } from "../webtransport/client.ts";

export async function moqConnect(relay: Relay, options: SessionOptions = {}, path = "/moq"): Promise<Session> {
  const transport = await connect(`https://127.0.0.1:${relay.port}${path}`, { caCerts: [relay.pem] });
  await transport.ready;
  return startClientSession(transport, options);
}

/** Reads every group of a track until it ends: sequence → the object payloads. Bounded in groups. */
export async function readGroups(track: TrackSubscriber, maxGroups: number): Promise<Map<number, Uint8Array[]>> {
  const groups = new Map<number, Uint8Array[]>();
  while (groups.size < maxGroups) {
    const segment = await track.nextSegment();
    if (segment === undefined) break;
    const objects: Uint8Array[] = [];
    for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk())
      objects.push(chunk);
    segment.close();
    groups.set(segment.sequence, objects);
  }
  return groups;
}

/** A cache track to publish: returns its publisher and a root reader for Broadcast.addTrack. */
export function publishableTrack(name: string) {
  const [publisher, root] = createTrack(name);
  return { publisher, root };
}

/** A good publisher → subscriber pair: groups go out every 50 ms; `check()` says all arrived in order. */
export async function goodPair(relay: Relay, namespace: string) {
  const pub = await moqConnect(relay);
  const sub = await moqConnect(relay);
  const broadcast = pub.publish([namespace]);
  const [publisher, root] = createTrack("video");
  broadcast.addTrack("video", root);
  await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
  const { track, ready } = sub.subscribe([namespace], "video");
  await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
  let group = 0;
  const groups = 1_000;
  const received = readGroups(track, groups);
  // A failed test shuts the relay down under the reader: the assertion says why, not this.
  received.catch(() => {});
  const timer = setInterval(() => {
    const segment = publisher.createSegment({ sequence: group, priority: 0 });
    segment.writeChunk(Uint8Array.of(group & 0xff, 1, 2, 3));
    segment.close();
    group++;
  }, 50);
  return {
    async check(): Promise<void> {
      clearInterval(timer);
      publisher.close();
      const got = await withTimeout(received, 5_000, "the good subscriber's groups");
      assert.ok(group >= 20, `only ${group} groups were sent`);
      assert.equal(got.size, group, `the good subscriber got ${got.size} of ${group} groups`);
      assert.equal(pub.isClosed || sub.isClosed, false, "the good pair is still connected");
      pub.close();
      sub.close();
    },
  };
}

/** A draft-14 CLIENT_SETUP with plenty of request credit, for sessions written by hand. */
export const RAW_CLIENT_SETUP = encodeControlMessage({
  kind: "client_setup",
  versions: [0xff00000e],
  parameters: [{ type: SetupParameter.MAX_REQUEST_ID, value: 1_000_000 }],
});

/** A WebTransport session to the relay's MoQT path with its control stream open, nothing sent yet. */
export async function rawControl(relay: Relay) {
  const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, { caCerts: [relay.pem] });
  await transport.ready;
  const control = await transport.createBidirectionalStream();
  const writer = control.writable.getWriter();
  return { transport, control, writer };
}

/** The relay process's resident memory (MiB), where /proc says; else -1. */
export async function rssMiB(relay: Relay): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${relay.child.pid}/status`).catch(() => "");
  const kib = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kib === undefined ? -1 : Math.round(Number(kib) / 1024);
}

/** The session's close code once it closes, or "open" after `ms`. */
export function closeCodeWithin(transport: { closed: Promise<{ closeCode?: number }> }, ms: number) {
  return Promise.race([transport.closed.then((info) => info.closeCode), delay(ms).then(() => "open" as const)]);
}

/** The outcome of a request: "ok", or the RequestError's code. */
export function outcome(promise: Promise<unknown>): Promise<"ok" | number> {
  return promise.then(
    () => "ok" as const,
    (error: unknown) => {
      if (error instanceof RequestError) return error.code;
      throw error;
    },
  );
}
