// Issue 11, item 10: re-subscribing to a track in the same tick. The subscriber orders its
// UNSUBSCRIBE before the new SUBSCRIBE; the publisher answers a SUBSCRIBE for a track the session
// already subscribes to with SUBSCRIBE_ERROR (that request only), and an UNSUBSCRIBE that arrives
// while a SUBSCRIBE is still being resolved frees the track at once.
import { describe, expect, it } from "vitest";
import { flush, payload, readGroups, sessionPair, writeGroup } from "../../test/session/test-helpers.ts";
import { createTrack, type TrackSubscriber } from "../cache/index.ts";
import { type ControlMessage, SubscribeErrorCode } from "../wire/index.ts";
import { RequestError } from "./errors.ts";
import type { ServedTrack } from "./served-track.ts";

async function publishing(namespace: string[]) {
  const pair = await sessionPair();
  const [publisher, root] = createTrack("video");
  const broadcast = pair.server.publish(namespace);
  broadcast.addTrack("video", root);
  await broadcast.ready;
  return { ...pair, publisher, root };
}

/** Index in `messages` of the first message of `kind` with `requestId`; -1 if none. */
function indexOf(messages: ControlMessage[], kind: ControlMessage["kind"], requestId: number | undefined): number {
  return messages.findIndex((m) => m.kind === kind && "requestId" in m && m.requestId === requestId);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("re-subscribing to the same track", () => {
  it("closing the track's reader then subscribing in the same tick: UNSUBSCRIBE goes first, the session lives", async () => {
    const pair = await publishing(["again"]);
    const first = pair.client.subscribe(["again"], "video");
    await first.ready;
    first.track.close();
    const second = pair.client.subscribe(["again"], "video");
    await second.ready;
    const sent = await pair.clientSent();
    const unsubscribe = indexOf(sent, "unsubscribe", first.requestId);
    const subscribe = indexOf(sent, "subscribe", second.requestId);
    expect(unsubscribe).toBeGreaterThanOrEqual(0);
    expect(unsubscribe).toBeLessThan(subscribe);
    expect(pair.client.isClosed).toBe(false);
    expect(pair.server.isClosed).toBe(false);
    writeGroup(pair.publisher, 0, [payload(0, 0)]);
    expect((await readGroups(second.track, 1)).get(0)).toEqual([payload(0, 0)]);
  });

  it("the same with `into`: the caller's track ends, a new subscription into a new track", async () => {
    const pair = await publishing(["again-into"]);
    const [into, reader] = createTrack("mine");
    const first = pair.client.subscribe(["again-into"], "video", { into });
    await first.ready;
    reader.close();
    into.close();
    const [into2, reader2] = createTrack("mine again");
    const second = pair.client.subscribe(["again-into"], "video", { into: into2 });
    await second.ready;
    const sent = await pair.clientSent();
    expect(indexOf(sent, "unsubscribe", first.requestId)).toBeGreaterThanOrEqual(0);
    expect(indexOf(sent, "unsubscribe", first.requestId)).toBeLessThan(indexOf(sent, "subscribe", second.requestId));
    writeGroup(pair.publisher, 0, [payload(0, 0)]);
    expect((await readGroups(reader2, 1)).get(0)).toEqual([payload(0, 0)]);
    expect(pair.client.isClosed).toBe(false);
  });

  it("subscription.close() then subscribe() before the first SUBSCRIBE left: both in order, the second served", async () => {
    const pair = await publishing(["again-early"]);
    const first = pair.client.subscribe(["again-early"], "video");
    first.close();
    const second = pair.client.subscribe(["again-early"], "video");
    await second.ready;
    const sent = await pair.clientSent();
    expect(indexOf(sent, "unsubscribe", first.requestId)).toBeLessThan(indexOf(sent, "subscribe", second.requestId));
    expect(pair.client.isClosed).toBe(false);
  });

  it("a second active SUBSCRIBE for one track is refused with SUBSCRIBE_ERROR; the session and the first carry on", async () => {
    const pair = await publishing(["twice"]);
    const first = pair.client.subscribe(["twice"], "video");
    await first.ready;
    const second = pair.client.subscribe(["twice"], "video");
    const error = await rejection(second.ready);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe(SubscribeErrorCode.INTERNAL_ERROR);
    expect((error as RequestError).reason).toMatch(/already subscribed/);
    expect(pair.client.isClosed).toBe(false);
    expect(pair.server.isClosed).toBe(false);
    writeGroup(pair.publisher, 0, [payload(0, 0)]);
    expect((await readGroups(first.track, 1)).get(0)).toEqual([payload(0, 0)]);
    // Once the first is gone the track can be subscribed again.
    first.close();
    const third = pair.client.subscribe(["twice"], "video");
    await third.ready;
    expect(pair.client.isClosed).toBe(false);
  });

  it("UNSUBSCRIBE while the publisher still resolves the SUBSCRIBE: the track is free for the next SUBSCRIBE", async () => {
    let releases = 0;
    const waiting: (() => void)[] = [];
    const [publisher, root] = createTrack("relayed");
    const pair = await sessionPair(
      {},
      {
        handler: {
          resolveTrack: async (): Promise<ServedTrack> => {
            await new Promise<void>((resolve) => waiting.push(resolve));
            return { track: root as TrackSubscriber, groupOrder: 2, release: () => releases++ };
          },
        },
      },
    );
    const first = pair.client.subscribe(["slow"], "video");
    await flush(5);
    expect(waiting.length).toBe(1);
    first.close();
    const second = pair.client.subscribe(["slow"], "video");
    await flush(5);
    expect(pair.server.isClosed).toBe(false);
    expect(pair.client.isClosed).toBe(false);
    // The first resolves after its UNSUBSCRIBE: released at once, never served.
    for (const wake of waiting.splice(0)) wake();
    await flush(5);
    for (const wake of waiting.splice(0)) wake();
    await second.ready;
    expect(releases).toBe(1);
    writeGroup(publisher, 0, [payload(0, 0)]);
    expect((await readGroups(second.track, 1)).get(0)).toEqual([payload(0, 0)]);
    expect(pair.server.isClosed).toBe(false);
  });
});
