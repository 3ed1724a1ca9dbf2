import { describe, expect, it } from "vitest";
import {
  flush,
  payload,
  readGroups,
  readSegment,
  type SessionPair,
  sessionPair,
  writeGroup,
} from "../../test/session/test-helpers.ts";
import { CacheError, createTrack, type TrackPublisher } from "../cache/index.ts";
import { type ControlMessage, SubscribeErrorCode } from "../wire/index.ts";
import type { TrackOptions } from "./broadcast.ts";
import { RequestError, SessionArgumentError } from "./errors.ts";

/** A pair where the server publishes `namespace` with one track, "video", fed by the returned publisher. */
async function publishing(namespace: string[], options: TrackOptions = {}) {
  const pair = await sessionPair();
  const [publisher, root] = createTrack("video");
  const broadcast = pair.server.publish(namespace);
  broadcast.addTrack("video", root, options);
  await broadcast.ready;
  return { ...pair, publisher, root, broadcast };
}

/** The control messages of `kind` the client (the subscriber) has sent. */
async function sent(pair: SessionPair, kind: ControlMessage["kind"]): Promise<ControlMessage[]> {
  return (await pair.clientSent()).filter((message) => message.kind === kind);
}

describe("Subscription", () => {
  it("ready resolves on SUBSCRIBE_OK with what the publisher said; requestId is the SUBSCRIBE's", async () => {
    const { client, publisher } = await publishing(["ok"], { groupOrder: 1, maxCacheDurationMs: 1234 });
    writeGroup(publisher, 7, [payload(7, 0), payload(7, 1), payload(7, 2)]);
    const subscription = client.subscribe(["ok"], "video");
    expect(subscription.isClosed).toBe(false);
    const info = await subscription.ready;
    expect(info).toEqual({
      trackAlias: subscription.requestId,
      groupOrder: 1,
      largest: { group: 7, object: 2 },
      cacheDurationMs: 1234,
    });
    expect(subscription.requestId).toBeTypeOf("number");
    expect((await readGroups(subscription.track, 1)).get(7)).toEqual([payload(7, 0), payload(7, 1), payload(7, 2)]);
  });

  it("a refusal rejects ready with a RequestError and ends the session's track as not-found", async () => {
    const pair = await sessionPair();
    const subscription = pair.client.subscribe(["nobody"], "video");
    const error = await subscription.ready.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe(SubscribeErrorCode.TRACK_DOES_NOT_EXIST);
    await expect(subscription.track.nextSegment()).rejects.toMatchObject({ code: "not-found" });
    expect((await subscription.closed)?.code).toBe("not-found");
    expect(subscription.isClosed).toBe(true);
    // Nobody awaits this one: its refusal must not be an unhandled rejection.
    pair.client.subscribe(["nobody", "either"], "video");
    await flush(5);
    expect(pair.client.isClosed).toBe(false);
  });

  it("update() sends SUBSCRIBE_UPDATE: pausing stops delivery, resuming restarts it", async () => {
    const pair = await publishing(["pause"]);
    const subscription = pair.client.subscribe(["pause"], "video");
    await subscription.ready;
    expect(() => subscription.update({ priority: 256 })).toThrow(SessionArgumentError);
    subscription.update({ forward: false, priority: 3 });
    expect(subscription.forward).toBe(false);
    expect(subscription.priority).toBe(3);
    await flush(5);
    writeGroup(pair.publisher, 0, [payload(0, 0)]);
    await flush(10);
    expect(subscription.track.tryNextSegment()).toBeUndefined();
    subscription.update({ forward: true });
    await flush(5);
    writeGroup(pair.publisher, 1, [payload(1, 0)]);
    const resumed = await subscription.track.nextSegment();
    expect(resumed?.sequence).toBe(1);
    resumed?.close();
  });

  it("close() sends UNSUBSCRIBE once and ends the session's track cleanly", async () => {
    const pair = await publishing(["bye"]);
    const subscription = pair.client.subscribe(["bye"], "video");
    await subscription.ready;
    writeGroup(pair.publisher, 0, [payload(0, 0)]);
    expect((await readGroups(subscription.track, 1)).size).toBe(1);
    subscription.close();
    subscription.close();
    expect(subscription.isClosed).toBe(true);
    await expect(subscription.closed).resolves.toBeUndefined();
    expect(await subscription.track.nextSegment()).toBeUndefined();
    const unsubscribes = await sent(pair, "unsubscribe");
    expect(unsubscribes).toEqual([{ kind: "unsubscribe", requestId: subscription.requestId }]);
    // The publisher stopped serving it: the same track may be subscribed again on this session
    // (a second live SUBSCRIBE for one track would be a protocol violation).
    await flush(5);
    const again = pair.client.subscribe(["bye"], "video");
    await again.ready;
    expect(pair.client.isClosed || pair.server.isClosed).toBe(false);
  });

  it("closing every reader of the session's track sends UNSUBSCRIBE; fetchJoining needs a sent SUBSCRIBE", async () => {
    const pair = await publishing(["join"]);
    for (let group = 0; group < 6; group++) writeGroup(pair.publisher, group, [payload(group, 0), payload(group, 1)]);
    const subscription = pair.client.subscribe(["join"], "video");
    expect(() => subscription.fetchJoining(2)).toThrow(SessionArgumentError);
    await subscription.ready;
    expect(() => subscription.fetchJoining(-1)).toThrow(/groups/);
    const joining = await readGroups(subscription.fetchJoining(2), 100);
    expect([...joining.keys()].sort()).toEqual([3, 4, 5]);
    expect(joining.get(3)).toEqual([payload(3, 0), payload(3, 1)]);
    subscription.track.close();
    await subscription.closed;
    expect((await sent(pair, "unsubscribe")).map((message) => "requestId" in message && message.requestId)).toEqual([
      subscription.requestId,
    ]);
  });

  it("rejects a bad `into` with a SessionArgumentError naming it", async () => {
    const { client } = await sessionPair();
    const [closed] = createTrack("closed");
    closed.close();
    expect(() => client.subscribe(["a"], "v", { into: {} as TrackPublisher })).toThrow(/into/);
    expect(() => client.subscribe(["a"], "v", { into: closed })).toThrow(SessionArgumentError);
    expect(() => client.subscribe(["a"], "v", { into: closed })).toThrow(/into/);
  });

  it("into: the caller's track survives the session, and a new session carries on filling it", async () => {
    // The media source, served by a publisher that reconnects: its track outlives both sessions.
    const [source, sourceRoot] = createTrack("source");
    // The caller's cache track, filled by whichever session is up.
    const [cache, reader] = createTrack("cache");

    const first = await sessionPair();
    const firstBroadcast = first.server.publish(["cam"]);
    firstBroadcast.addTrack("video", sourceRoot);
    await firstBroadcast.ready;
    const subscription = first.client.subscribe(["cam"], "video", { into: cache });
    expect(subscription.track).toBeUndefined();
    await subscription.ready;
    for (let group = 0; group < 3; group++) writeGroup(source, group, [payload(group, 0), payload(group, 1)]);
    const before = await readGroups(reader, 3);
    expect([...before.keys()].sort()).toEqual([0, 1, 2]);
    // Group 3 is being received when the session goes.
    const open = source.createSegment({ sequence: 3, priority: 1 });
    open.writeChunk(payload(3, 0));
    const partial = await reader.nextSegment();
    expect(partial?.sequence).toBe(3);
    expect(await partial?.readChunk()).toEqual(payload(3, 0));
    first.server.close();
    const ended = await subscription.closed;
    expect(ended).toBeInstanceOf(CacheError);
    expect(subscription.isClosed).toBe(true);
    // That segment is cut; the track itself, and the caller's handles, are not touched.
    await expect(partial?.readChunk()).rejects.toBeInstanceOf(CacheError);
    partial?.close();
    expect(reader.isEnded).toBe(false);
    expect(cache.isClosed).toBe(false);
    expect(sourceRoot.isClosed).toBe(false);
    expect(await readSegment(reader.segment(1) as NonNullable<ReturnType<typeof reader.segment>>)).toEqual([
      payload(1, 0),
      payload(1, 1),
    ]);
    open.writeChunk(payload(3, 1));
    open.close();

    // A second session: it starts at the latest group, 3, which the cache holds already.
    const second = await sessionPair();
    const secondBroadcast = second.server.publish(["cam"]);
    secondBroadcast.addTrack("video", sourceRoot);
    await secondBroadcast.ready;
    const resumed = second.client.subscribe(["cam"], "video", { into: cache });
    const info = await resumed.ready;
    expect(info.largest).toEqual({ group: 3, object: 1 });
    for (let group = 4; group < 6; group++) writeGroup(source, group, [payload(group, 0), payload(group, 1)]);
    const after = await readGroups(reader, 2);
    expect([...after.keys()].sort()).toEqual([4, 5]);
    expect(after.get(5)).toEqual([payload(5, 0), payload(5, 1)]);
    expect(second.client.isClosed || resumed.isClosed).toBe(false);

    // Every reader of the cache gone: the track ends, and the subscription unsubscribes.
    reader.close();
    await expect(resumed.closed).resolves.toBeUndefined();
    expect((await sent(second, "unsubscribe")).length).toBe(1);
    expect(second.client.isClosed).toBe(false);
  });

  it("into: close() leaves the caller's track open and cuts only the group being received", async () => {
    const pair = await sessionPair();
    const [source, sourceRoot] = createTrack("source");
    const broadcast = pair.server.publish(["cut"]);
    broadcast.addTrack("video", sourceRoot);
    await broadcast.ready;
    const [cache, reader] = createTrack("cache");
    const subscription = pair.client.subscribe(["cut"], "video", { into: cache });
    await subscription.ready;
    const open = source.createSegment({ sequence: 0, priority: 1 });
    open.writeChunk(payload(0, 0));
    const segment = await reader.nextSegment();
    expect(await segment?.readChunk()).toEqual(payload(0, 0));
    subscription.close();
    await expect(segment?.readChunk()).rejects.toBeInstanceOf(CacheError);
    await expect(subscription.closed).resolves.toBeUndefined();
    expect(reader.isEnded).toBe(false);
    expect(cache.isClosed).toBe(false);
    writeGroup(cache, 1, [payload(1, 0)]);
    expect((await readGroups(reader, 1)).get(1)).toEqual([payload(1, 0)]);
    // The session's own handle is gone: the caller's close ends the track.
    cache.close(CacheError.reset(7, "done"));
    await expect(reader.nextSegment()).rejects.toMatchObject({ wireCode: 7 });
    expect(pair.client.isClosed).toBe(false);
  });
});
