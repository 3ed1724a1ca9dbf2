// Issue 11, item 12: track names and namespaces are bytes, compared exactly. 0xFE and 0xFF are both
// invalid UTF-8 (each decodes to U+FFFD), so a comparison after decoding confuses them.
import { describe, expect, it } from "vitest";
import { payload, readGroups, sessionPair, writeGroup } from "../../test/session/test-helpers.ts";
import { createTrack } from "../cache/index.ts";
import { SubscribeErrorCode } from "../wire/index.ts";
import { RequestError, SessionArgumentError } from "./errors.ts";

const FE = new Uint8Array([0xfe]);
const FF = new Uint8Array([0xff]);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("track names compared as bytes", () => {
  it("a SUBSCRIBE for the track named 0xFE is not served the track named 0xFF", async () => {
    const pair = await sessionPair();
    const [publisher, root] = createTrack("ff");
    const broadcast = pair.server.publish(["bytes"]);
    broadcast.addTrack(FF, root);
    await broadcast.ready;
    writeGroup(publisher, 0, [payload(0, 0)]);
    const wrong = pair.client.subscribe(["bytes"], FE);
    const error = await rejection(wrong.ready);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe(SubscribeErrorCode.TRACK_DOES_NOT_EXIST);
    const right = pair.client.subscribe(["bytes"], FF);
    await right.ready;
    expect((await readGroups(right.track, 1)).get(0)).toEqual([payload(0, 0)]);
  });

  it("tracks 0xFE and 0xFF live side by side in one broadcast, each served its own groups", async () => {
    const pair = await sessionPair();
    const [fePublisher, feRoot] = createTrack("fe");
    const [ffPublisher, ffRoot] = createTrack("ff");
    const broadcast = pair.server.publish(["bytes2"]);
    broadcast.addTrack(FE, feRoot);
    broadcast.addTrack(FF, ffRoot);
    expect(() => broadcast.addTrack(new Uint8Array([0xff]), ffRoot)).toThrow(SessionArgumentError);
    await broadcast.ready;
    writeGroup(fePublisher, 0, [payload(0, 0xe)]);
    writeGroup(ffPublisher, 0, [payload(0, 0xf)]);
    const fe = pair.client.subscribe(["bytes2"], FE);
    const ff = pair.client.subscribe(["bytes2"], FF);
    await Promise.all([fe.ready, ff.ready]);
    expect((await readGroups(fe.track, 1)).get(0)).toEqual([payload(0, 0xe)]);
    expect((await readGroups(ff.track, 1)).get(0)).toEqual([payload(0, 0xf)]);
  });

  it("removeTrack(0xFE) leaves the track named 0xFF in place", async () => {
    const pair = await sessionPair();
    const [publisher, root] = createTrack("ff");
    const broadcast = pair.server.publish(["bytes3"]);
    broadcast.addTrack(FF, root);
    broadcast.removeTrack(FE);
    await broadcast.ready;
    writeGroup(publisher, 0, [payload(0, 0)]);
    const ff = pair.client.subscribe(["bytes3"], FF);
    await ff.ready;
    expect((await readGroups(ff.track, 1)).get(0)).toEqual([payload(0, 0)]);
  });

  it("TRACK_STATUS and FETCH for 0xFE do not find the track named 0xFF", async () => {
    const pair = await sessionPair();
    const [publisher, root] = createTrack("ff");
    const broadcast = pair.server.publish(["bytes4"]);
    broadcast.addTrack(FF, root);
    await broadcast.ready;
    writeGroup(publisher, 0, [payload(0, 0)]);
    const status = await rejection(pair.client.trackStatus(["bytes4"], FE));
    expect(status).toBeInstanceOf(RequestError);
    expect((status as RequestError).code).toBe(SubscribeErrorCode.TRACK_DOES_NOT_EXIST);
    expect(await pair.client.trackStatus(["bytes4"], FF)).toMatchObject({ largest: { group: 0, object: 0 } });
    const fetched = pair.client.fetch(["bytes4"], FE, { start: { group: 0, object: 0 }, end: { group: 1, object: 0 } });
    await expect(fetched.nextSegment()).rejects.toBeDefined();
  });

  it("namespaces that differ only in invalid UTF-8 bytes are different namespaces", async () => {
    const pair = await sessionPair();
    const [publisher, root] = createTrack("video");
    const broadcast = pair.server.publish([FF]);
    broadcast.addTrack("video", root);
    await broadcast.ready;
    // A second namespace differing only in 0xFE vs 0xFF is a different namespace, not a duplicate.
    const other = pair.server.publish([FE]);
    await other.ready;
    writeGroup(publisher, 0, [payload(0, 0)]);
    const wrong = pair.client.subscribe([FE], "video");
    expect(((await rejection(wrong.ready)) as RequestError).code).toBe(SubscribeErrorCode.TRACK_DOES_NOT_EXIST);
    const right = pair.client.subscribe([FF], "video");
    await right.ready;
    expect((await readGroups(right.track, 1)).get(0)).toEqual([payload(0, 0)]);
  });
});
