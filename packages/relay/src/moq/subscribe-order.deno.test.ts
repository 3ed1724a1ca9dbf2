// Issue 11, items 10 and 12, against the real relay process: re-subscribing to a track in the same
// tick (UNSUBSCRIBE before the new SUBSCRIBE; a duplicate SUBSCRIBE refused without closing the
// session; an UNSUBSCRIBE while the relay still resolves the SUBSCRIBE), and track names compared
// as bytes (0xFE and 0xFF both decode to U+FFFD).
import assert from "node:assert/strict";
import { createTrack, type TrackPublisher } from "@moqkit/sdk/cache";
import { RequestError, type Session } from "@moqkit/sdk/session";
import { SubscribeErrorCode } from "@moqkit/sdk/wire";
import { type Relay, startRelay, stopRelay } from "../relay-process.ts";
import { delay, moqConnect, readGroups, withTimeout } from "./test-client.ts";

let counter = 0;

function payload(group: number, tag: number): Uint8Array {
  return new Uint8Array([group & 0xff, tag & 0xff, 0x5a, 0xa5]);
}

function writeGroup(publisher: TrackPublisher, group: number, tag: number): void {
  const segment = publisher.createSegment({ sequence: group, priority: 1 });
  segment.writeChunk(payload(group, tag));
  segment.close();
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

Deno.test({
  name: "relay: re-subscribing and byte-exact track names",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const relay: Relay = await startRelay();
    const sessions: Session[] = [];
    const open = async () => {
      const session = await moqConnect(relay);
      sessions.push(session);
      return session;
    };
    /** Publishes a fresh namespace with the given tracks (name → tag written into each object). */
    const publishing = async (names: (string | Uint8Array)[]) => {
      const pub = await open();
      const namespace = ["subscribe-order", `ns${counter++}`];
      const broadcast = pub.publish(namespace);
      const publishers = names.map((name) => {
        const [publisher, root] = createTrack(typeof name === "string" ? name : `bytes ${name.join(",")}`);
        broadcast.addTrack(name, root);
        return publisher;
      });
      await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
      return { pub, namespace, publishers };
    };
    try {
      await t.step(
        "track.close() then subscribe() to the same track in one tick: the session lives, the new one is served",
        async () => {
          const { pub, namespace, publishers } = await publishing(["video"]);
          const publisher = publishers[0] as TrackPublisher;
          const sub = await open();
          const first = sub.subscribe(namespace, "video");
          await withTimeout(first.ready, 2_000, "first SUBSCRIBE_OK");
          writeGroup(publisher, 0, 1);
          assert.deepEqual((await withTimeout(readGroups(first.track, 1), 2_000, "group 0")).get(0), [payload(0, 1)]);
          first.track.close();
          const second = sub.subscribe(namespace, "video");
          await withTimeout(second.ready, 2_000, "second SUBSCRIBE_OK");
          writeGroup(publisher, 1, 1);
          const groups = await withTimeout(readGroups(second.track, 2), 2_000, "groups of the second subscription");
          assert.deepEqual(groups.get(1), [payload(1, 1)]);
          assert.equal(sub.isClosed, false, "the subscriber's session is still open");
          assert.equal(pub.isClosed, false, "the publisher's session is still open");
        },
      );

      await t.step(
        "a second active SUBSCRIBE for one track is refused with SUBSCRIBE_ERROR; nothing else ends",
        async () => {
          const { namespace, publishers } = await publishing(["video"]);
          const publisher = publishers[0] as TrackPublisher;
          const sub = await open();
          const first = sub.subscribe(namespace, "video");
          await withTimeout(first.ready, 2_000, "first SUBSCRIBE_OK");
          const second = sub.subscribe(namespace, "video");
          const error = await withTimeout(rejection(second.ready), 2_000, "the duplicate's answer");
          assert.ok(error instanceof RequestError, `a RequestError, got ${String(error)}`);
          assert.equal(error.code, SubscribeErrorCode.INTERNAL_ERROR);
          assert.equal(sub.isClosed, false, "the session is still open");
          writeGroup(publisher, 0, 1);
          assert.deepEqual((await withTimeout(readGroups(first.track, 1), 2_000, "group 0")).get(0), [payload(0, 1)]);
        },
      );

      await t.step(
        "UNSUBSCRIBE while the relay waits for the namespace: the next SUBSCRIBE for the track is served",
        async () => {
          const sub = await open();
          const namespace = ["subscribe-order", `ns${counter++}`];
          const first = sub.subscribe(namespace, "video");
          await delay(100);
          first.close();
          const second = sub.subscribe(namespace, "video");
          await delay(100);
          const pub = await open();
          const broadcast = pub.publish(namespace);
          const [publisher, root] = createTrack("video");
          broadcast.addTrack("video", root);
          await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
          await withTimeout(second.ready, 3_000, "second SUBSCRIBE_OK");
          writeGroup(publisher, 0, 1);
          assert.deepEqual((await withTimeout(readGroups(second.track, 1), 2_000, "group 0")).get(0), [payload(0, 1)]);
          assert.equal(sub.isClosed, false, "the session is still open");
        },
      );

      await t.step("a SUBSCRIBE for the track named 0xFE is not served the track named 0xFF", async () => {
        const { namespace, publishers } = await publishing([new Uint8Array([0xff])]);
        writeGroup(publishers[0] as TrackPublisher, 0, 0xff);
        const sub = await open();
        const wrong = sub.subscribe(namespace, new Uint8Array([0xfe]));
        const error = await withTimeout(rejection(wrong.ready), 3_000, "the answer for 0xFE");
        assert.ok(error instanceof RequestError, `refused, got ${String(error)}`);
        assert.equal(error.code, SubscribeErrorCode.TRACK_DOES_NOT_EXIST);
        const right = sub.subscribe(namespace, new Uint8Array([0xff]));
        await withTimeout(right.ready, 2_000, "SUBSCRIBE_OK for 0xFF");
        assert.deepEqual((await withTimeout(readGroups(right.track, 1), 2_000, "0xFF's group")).get(0), [
          payload(0, 0xff),
        ]);
      });

      await t.step("tracks 0xFE and 0xFF of one namespace reach their own subscribers through the relay", async () => {
        const { namespace, publishers } = await publishing([new Uint8Array([0xfe]), new Uint8Array([0xff])]);
        const [fe, ff] = publishers as [TrackPublisher, TrackPublisher];
        writeGroup(fe, 0, 0xfe);
        writeGroup(ff, 0, 0xff);
        const sub = await open();
        const feSub = sub.subscribe(namespace, new Uint8Array([0xfe]));
        const ffSub = sub.subscribe(namespace, new Uint8Array([0xff]));
        await withTimeout(Promise.all([feSub.ready, ffSub.ready]), 2_000, "SUBSCRIBE_OK");
        assert.deepEqual((await withTimeout(readGroups(feSub.track, 1), 2_000, "0xFE")).get(0), [payload(0, 0xfe)]);
        assert.deepEqual((await withTimeout(readGroups(ffSub.track, 1), 2_000, "0xFF")).get(0), [payload(0, 0xff)]);
      });
    } finally {
      for (const session of sessions) session.close();
      await stopRelay(relay);
    }
  },
});
