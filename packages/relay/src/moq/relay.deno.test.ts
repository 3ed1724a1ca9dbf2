// The MoQT relay end to end: real relay process, moqkit client sessions on the Deno WebTransport
// client. Routing, fan-out through one upstream subscription, late joiners, namespaces, FETCH,
// TRACK_STATUS, publishers leaving, and bad input closing only the offending session.
import assert from "node:assert/strict";
import { createTrack, type SegmentSubscriber, type TrackPublisher, type TrackSubscriber } from "@moqkit/sdk/cache";
import { RequestError, type Session, SessionError } from "@moqkit/sdk/session";
import {
  concatBytes,
  encodeControlMessage,
  encodeExtensionHeaders,
  encodeObjectDatagram,
  FetchErrorCode,
  intParameter,
  namespaceToStrings,
  readControlMessage,
  SessionErrorCode,
  SetupParameter,
  StreamReader,
} from "@moqkit/sdk/wire";
import { type Relay, startRelay, stopRelay, waitForLine } from "../relay-process.ts";
import { connect } from "../webtransport/client.ts";
import { delay, moqConnect, readGroups, withTimeout } from "./test-client.ts";

const encoder = new TextEncoder();
let counter = 0;

function payload(group: number, object: number, size = 16): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (group * 31 + object * 7 + i) & 0xff;
  return bytes;
}

/** Publishes a fresh namespace with one track; returns the track's publisher. */
async function publishTrack(session: Session, options: { maxCacheDurationMs?: number } = {}) {
  const namespace = ["relay-test", `ns${counter++}`];
  const broadcast = session.publish(namespace);
  const [publisher, root] = createTrack("video");
  broadcast.addTrack("video", root, options);
  await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
  return { namespace, broadcast, publisher };
}

function writeGroup(publisher: TrackPublisher, group: number, objects: Uint8Array[], expiresMs?: number): void {
  const segment = publisher.createSegment({ sequence: group, priority: 1, expiresMs });
  for (const object of objects) segment.writeChunk(object);
  segment.close();
}

function assertSameObjects(actual: Uint8Array[] | undefined, expected: Uint8Array[], what: string): void {
  assert.ok(actual !== undefined, `${what}: missing`);
  assert.equal(actual.length, expected.length, `${what}: object count`);
  for (let i = 0; i < expected.length; i++) assert.deepEqual(actual[i], expected[i], `${what}: object ${i}`);
}

Deno.test({
  name: "relay",
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
    try {
      await t.step("groups and objects arrive byte-identical, large and empty objects included", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track, ready } = sub.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        const sent = new Map<number, Uint8Array[]>();
        for (let group = 0; group < 8; group++) {
          const objects = [
            payload(group, 0, 1000),
            new Uint8Array(0),
            payload(group, 2, group === 3 ? 1_000_000 : 300),
          ];
          sent.set(group, objects);
          writeGroup(publisher, group, objects);
        }
        publisher.close();
        const received = await withTimeout(readGroups(track, 100), 10_000, "groups");
        assert.deepEqual(
          [...received.keys()].sort((a, b) => a - b),
          [...sent.keys()],
        );
        for (const [group, objects] of sent) assertSameObjects(received.get(group), objects, `group ${group}`);
      });

      await t.step("one upstream subscription serves every subscriber", async () => {
        const pub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const subscribers = await Promise.all([open(), open(), open()]);
        const subscriptions = subscribers.map((sub) => sub.subscribe(namespace, "video"));
        await withTimeout(Promise.all(subscriptions.map(({ ready }) => ready)), 3_000, "SUBSCRIBE_OK");
        const name = `${namespace.join("/")}:video`;
        assert.equal(relay.lines.filter((line) => line === `upstream subscribe ${name}`).length, 1);
        for (let group = 0; group < 5; group++) writeGroup(publisher, group, [payload(group, 0), payload(group, 1)]);
        publisher.close();
        for (const { track } of subscriptions) {
          const received = await withTimeout(readGroups(track, 100), 5_000, "groups");
          assert.equal(received.size, 5);
          for (let group = 0; group < 5; group++)
            assertSameObjects(received.get(group), [payload(group, 0), payload(group, 1)], `group ${group}`);
        }
      });

      await t.step("a late joiner starts at the latest group, then gets everything new", async () => {
        const pub = await open();
        const early = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track: first, ready: firstReady } = early.subscribe(namespace, "video");
        await withTimeout(firstReady, 2_000, "SUBSCRIBE_OK");
        for (let group = 0; group < 5; group++) writeGroup(publisher, group, [payload(group, 0)]);
        await withTimeout(readGroups(first, 5), 3_000, "the early subscriber's groups");
        const late = await open();
        const { track, ready } = late.subscribe(namespace, "video");
        const info = await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        assert.deepEqual(info.largest, { group: 4, object: 0 });
        writeGroup(publisher, 5, [payload(5, 0)]);
        publisher.close();
        const received = await withTimeout(readGroups(track, 100), 5_000, "groups");
        assert.deepEqual([...received.keys()].sort(), [4, 5]);
        assertSameObjects(received.get(4), [payload(4, 0)], "group 4");
      });

      await t.step(
        "a catalog written once, without MAX_CACHE_DURATION, reaches a viewer joining 20 s later",
        async () => {
          // As @moq/publish does: catalog.json is group 0, written once; its SUBSCRIBE_OK has no
          // MAX_CACHE_DURATION, so the relay's copy gets the session's default time to live (10 s).
          const pub = await open();
          const early = await open();
          const namespace = ["relay-test", `ns${counter++}`];
          const broadcast = pub.publish(namespace);
          const [publisher, root] = createTrack("catalog.json");
          broadcast.addTrack("catalog.json", root);
          await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
          const catalog = [encoder.encode(JSON.stringify({ video: { renditions: { hd: { codec: "avc1.64001f" } } } }))];
          const { track: first, ready: firstReady } = early.subscribe(namespace, "catalog.json");
          await withTimeout(firstReady, 2_000, "SUBSCRIBE_OK");
          writeGroup(publisher, 0, catalog);
          // The first subscriber reads it, and stays: the relay's upstream subscription lives on.
          assertSameObjects((await withTimeout(readGroups(first, 1), 2_000, "the catalog")).get(0), catalog, "catalog");
          await delay(20_000);
          const viewer = await open();
          const { track, ready } = viewer.subscribe(namespace, "catalog.json");
          const info = await withTimeout(ready, 2_000, "the viewer's SUBSCRIBE_OK");
          assert.deepEqual(info.largest, { group: 0, object: 0 });
          const received = await withTimeout(readGroups(track, 1), 2_000, "the catalog, 20 s after it was written");
          assertSameObjects(received.get(0), catalog, "the viewer's catalog");
          assert.equal(early.isClosed, false);
        },
      );

      await t.step("a publisher going away ends its subscriptions with PUBLISH_DONE", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track, ready } = sub.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        writeGroup(publisher, 0, [payload(0, 0)]);
        const segment = await withTimeout(track.nextSegment(), 2_000, "group 0");
        segment?.close();
        pub.close();
        // The track ends cleanly: PUBLISH_DONE (TRACK_ENDED) reached the subscriber.
        assert.equal(await withTimeout(track.nextSegment(), 4_000, "the end of the track"), undefined);
        assert.equal(sub.isClosed, false);
      });

      await t.step("SUBSCRIBE_NAMESPACE gets current and future namespaces, and their end", async () => {
        const watcherSession = await open();
        const pub = await open();
        const prefix = ["watch", `p${counter++}`];
        const before = pub.publish([...prefix, "one"]);
        await withTimeout(before.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        const watcher = watcherSession.subscribeNamespace(prefix);
        await withTimeout(watcher.ready, 2_000, "SUBSCRIBE_NAMESPACE_OK");
        const first = await withTimeout(watcher.next(), 2_000, "the current namespace");
        assert.deepEqual(first && namespaceToStrings(first.namespace), [...prefix, "one"]);
        assert.equal(first?.active, true);
        const after = pub.publish([...prefix, "two"]);
        await withTimeout(after.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        const second = await withTimeout(watcher.next(), 2_000, "the future namespace");
        assert.deepEqual(second && namespaceToStrings(second.namespace), [...prefix, "two"]);
        const other = pub.publish(["elsewhere", `x${counter++}`]);
        await withTimeout(other.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        before.close();
        const ended = await withTimeout(watcher.next(), 2_000, "PUBLISH_NAMESPACE_DONE");
        assert.deepEqual(ended && [namespaceToStrings(ended.namespace), ended.active], [[...prefix, "one"], false]);
        watcher.close();
      });

      await t.step("FETCH and a joining FETCH are served from the relay's cache", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track: live, ready: liveReady } = sub.subscribe(namespace, "video");
        await withTimeout(liveReady, 2_000, "SUBSCRIBE_OK");
        for (let group = 0; group < 6; group++)
          writeGroup(publisher, group, [payload(group, 0), payload(group, 1), payload(group, 2)]);
        await withTimeout(readGroups(live, 6), 3_000, "live groups");
        const fetched = sub.fetch(namespace, "video", { start: { group: 1, object: 1 }, end: { group: 3, object: 0 } });
        const groups = await withTimeout(readGroups(fetched, 100), 3_000, "fetched groups");
        assert.deepEqual([...groups.keys()].sort(), [1, 2, 3]);
        assertSameObjects(groups.get(1), [payload(1, 1), payload(1, 2)], "group 1 from object 1");
        assertSameObjects(groups.get(3), [payload(3, 0), payload(3, 1), payload(3, 2)], "group 3");
        const status = await withTimeout(sub.trackStatus(namespace, "video"), 2_000, "TRACK_STATUS_OK");
        assert.deepEqual(status.largest, { group: 5, object: 2 });
        // A range with nothing in it is refused with NO_OBJECTS (the track's error carries the code).
        const empty = sub.fetch(namespace, "video", { start: { group: 1, object: 5 }, end: { group: 1, object: 9 } });
        await assert.rejects(
          empty.nextSegment(),
          (error: Error & { wireCode?: number }) => error.wireCode === FetchErrorCode.NO_OBJECTS,
        );
        const late = await open();
        const joined = late.subscribe(namespace, "video");
        await withTimeout(joined.ready, 2_000, "SUBSCRIBE_OK");
        const joining = joined.fetchJoining(2);
        const before = await withTimeout(readGroups(joining, 100), 3_000, "joining fetch");
        assert.deepEqual([...before.keys()].sort(), [3, 4, 5]);
        assertSameObjects(before.get(5), [payload(5, 0), payload(5, 1), payload(5, 2)], "group 5");
      });

      await t.step("the relay keeps groups only for their time to live, except the newest", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub, { maxCacheDurationMs: 300 });
        const { track: live, ready: liveReady } = sub.subscribe(namespace, "video");
        const info = await withTimeout(liveReady, 2_000, "SUBSCRIBE_OK");
        assert.equal(info.cacheDurationMs, 300);
        writeGroup(publisher, 0, [payload(0, 0)], 300);
        writeGroup(publisher, 1, [payload(1, 0)], 300);
        await withTimeout(readGroups(live, 2), 2_000, "groups 0 and 1");
        const group = (n: number) => ({ start: { group: n, object: 0 }, end: { group: n, object: 0 } });
        const now = sub.fetch(namespace, "video", group(0));
        assert.equal((await withTimeout(readGroups(now, 10), 2_000, "fetch")).size, 1);
        await delay(600);
        const later = sub.fetch(namespace, "video", group(0));
        await assert.rejects(
          later.nextSegment(),
          (error: Error & { wireCode?: number }) => error.wireCode === FetchErrorCode.NO_OBJECTS,
        );
        // The newest group stays while the upstream subscription lives (a catalog written once).
        const newest = await withTimeout(readGroups(sub.fetch(namespace, "video", group(1)), 10), 2_000, "fetch");
        assertSameObjects(newest.get(1), [payload(1, 0)], "group 1");
      });

      await t.step(
        "filters: an absolute range ends with its last group; next group start skips the current one",
        async () => {
          const pub = await open();
          const sub = await open();
          const { namespace, publisher } = await publishTrack(pub);
          const { track: live, ready: liveReady } = sub.subscribe(namespace, "video");
          await withTimeout(liveReady, 2_000, "SUBSCRIBE_OK");
          for (let group = 0; group < 3; group++) writeGroup(publisher, group, [payload(group, 0)]);
          await withTimeout(readGroups(live, 3), 2_000, "groups 0..2");
          // One subscription per track and session (draft-14 9.7): one session each.
          const [rangeSession, nextSession] = await Promise.all([open(), open()]);
          const { track: range, ready: rangeReady } = rangeSession.subscribe(namespace, "video", {
            filter: { type: "absolute_range", start: { group: 1, object: 0 }, endGroup: 3 },
          });
          const { track: next, ready: nextReady } = nextSession.subscribe(namespace, "video", {
            filter: { type: "next_group_start" },
          });
          await withTimeout(Promise.all([rangeReady, nextReady]), 2_000, "SUBSCRIBE_OK");
          for (let group = 3; group < 6; group++) writeGroup(publisher, group, [payload(group, 0)]);
          // The range ends after group 3 with PUBLISH_DONE, so its track ends by itself.
          const ranged = await withTimeout(readGroups(range, 100), 3_000, "the range");
          assert.deepEqual([...ranged.keys()].sort(), [1, 2, 3]);
          const upcoming = await withTimeout(readGroups(next, 3), 3_000, "the next groups");
          assert.deepEqual([...upcoming.keys()].sort(), [3, 4, 5]);
        },
      );

      await t.step("a group still open when its time to live runs out is cut, not waited on", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track, ready } = sub.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        const stale = publisher.createSegment({ sequence: 0, priority: 1, expiresMs: 200 });
        stale.writeChunk(payload(0, 0));
        const started = performance.now();
        const segment = await withTimeout(track.nextSegment(), 2_000, "group 0");
        assert.deepEqual(await segment?.readChunk(), payload(0, 0));
        // The publisher never finishes the group: the stream is cut at its deadline (a reset in
        // browsers; on Deno a FIN on an object boundary), and the reader is not left waiting.
        const end = await withTimeout(
          (segment as SegmentSubscriber).readChunk().catch(() => "reset"),
          2_000,
          "the end of the stale group",
        );
        assert.ok(end === undefined || end === "reset", "no more objects");
        const waited = performance.now() - started;
        assert.ok(waited >= 150 && waited < 1_500, `ended after ${waited} ms`);
        segment?.close();
        // A newer group still flows.
        writeGroup(publisher, 1, [payload(1, 0)]);
        const next = await withTimeout(track.nextSegment(), 2_000, "group 1");
        assert.equal(next?.sequence, 1);
        stale.close();
      });

      await t.step("a subscriber's DELIVERY TIMEOUT cuts a group sooner than its time to live", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track, ready } = sub.subscribe(namespace, "video", { deliveryTimeoutMs: 150 });
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        // Lives 10 s, but this subscriber only wants groups that arrive within 150 ms.
        const longGroup = publisher.createSegment({ sequence: 0, priority: 1, expiresMs: 10_000 });
        longGroup.writeChunk(payload(0, 0));
        const started = performance.now();
        const segment = (await withTimeout(track.nextSegment(), 2_000, "group 0")) as SegmentSubscriber;
        assert.deepEqual(await segment.readChunk(), payload(0, 0));
        const end = await withTimeout(
          segment.readChunk().catch(() => "reset"),
          2_000,
          "the cut",
        );
        assert.ok(end === undefined || end === "reset");
        const waited = performance.now() - started;
        assert.ok(waited >= 100 && waited < 1_500, `cut after ${waited} ms`);
        segment.close();
        longGroup.close();
        assert.throws(() => sub.subscribe(namespace, "other", { deliveryTimeoutMs: -1 }), /deliveryTimeoutMs/);
      });

      await t.step("the send rate test endpoint is off unless the relay was started with it", async () => {
        const response = await fetch(`http://127.0.0.1:${relay.port}/test/send-rate?kbps=100`, {
          method: "POST",
          signal: AbortSignal.timeout(2_000),
        });
        assert.equal(response.status, 404);
        await response.body?.cancel();
      });

      await t.step("PUBLISH pushes a track to the relay; subscribers get it without PUBLISH_NAMESPACE", async () => {
        const pub = await open();
        const sub = await open();
        const namespace = ["pushed", `p${counter++}`];
        const [publisher, root] = createTrack("video");
        await withTimeout(pub.publishTrack(namespace, "video", root), 2_000, "PUBLISH_OK");
        await waitForLine(relay.lines, new RegExp(`^publish ${namespace.join("/")}:video$`));
        const { track, ready } = sub.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        for (let group = 0; group < 3; group++) writeGroup(publisher, group, [payload(group, 0), payload(group, 1)]);
        const received = await withTimeout(readGroups(track, 3), 3_000, "pushed groups");
        for (let group = 0; group < 3; group++) {
          assertSameObjects(received.get(group), [payload(group, 0), payload(group, 1)], `group ${group}`);
        }
        // No upstream SUBSCRIBE was needed.
        assert.equal(
          relay.lines.filter((line) => line.startsWith(`upstream subscribe ${namespace.join("/")}`)).length,
          0,
        );
        // The publisher ending its track ends the subscriber's.
        publisher.close();
        root.close();
        assert.equal(await withTimeout(track.nextSegment(), 4_000, "the end of the pushed track"), undefined);
      });

      await t.step("bad arguments throw a SessionArgumentError that names them; the session carries on", async () => {
        const session = await open();
        const bad: [() => unknown, RegExp][] = [
          [() => session.subscribe([], "video"), /namespace must have 1 to 32 fields/],
          [() => session.subscribe(["a"], 42 as unknown as string), /track name/],
          [() => session.subscribe(["a"], "v", { priority: 300 }), /priority/],
          [() => session.subscribe(["a"], "v", { groupOrder: 3 as 0 }), /groupOrder/],
          [() => session.fetch(["a"], "v", { start: { group: -1, object: 0 }, end: { group: 1, object: 0 } }), /start/],
          [() => session.publish(["a"]).addTrack("v", {} as SegmentSubscriber as never), /TrackSubscriber/],
          [() => session.subscribe(["a"], "v", { into: createTrack("x")[1] as never }), /into/],
        ];
        for (const [call, message] of bad) {
          assert.throws(call, (error: Error) => error.name === "SessionArgumentError" && message.test(error.message));
        }
        await assert.rejects(session.publishTrack(["a"], "v", null as never), /TrackSubscriber/);
        assert.equal(session.isClosed, false);
      });

      await t.step("object IDs are kept end to end, sparse ones and a mid-group start included", async () => {
        const pub = await open();
        const sub = await open();
        const midSession = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track, ready } = sub.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        const segment = publisher.createSegment({ sequence: 0, priority: 1 });
        for (const id of [0, 2, 5, 6]) segment.writeChunk(payload(0, id), id);
        segment.close();
        const received = (await withTimeout(track.nextSegment(), 2_000, "group 0")) as SegmentSubscriber;
        const ids: number[] = [];
        for (let chunk = await received.readChunk(); chunk !== undefined; chunk = await received.readChunk()) {
          assert.deepEqual(chunk, payload(0, received.chunkId));
          ids.push(received.chunkId);
        }
        assert.deepEqual(ids, [0, 2, 5, 6]);
        const status = await withTimeout(sub.trackStatus(namespace, "video"), 2_000, "TRACK_STATUS_OK");
        assert.deepEqual(status.largest, { group: 0, object: 6 });
        // An absolute start in the middle of a group: objects from 5 on, with their IDs.
        const { track: mid, ready: midReady } = midSession.subscribe(namespace, "video", {
          filter: { type: "absolute_start", start: { group: 1, object: 5 } },
        });
        await withTimeout(midReady, 2_000, "SUBSCRIBE_OK");
        const next = publisher.createSegment({ sequence: 1, priority: 1 });
        for (let id = 0; id < 8; id++) next.writeChunk(payload(1, id));
        next.close();
        const tail = (await withTimeout(mid.nextSegment(), 2_000, "group 1")) as SegmentSubscriber;
        const tailIds: number[] = [];
        for (let chunk = await tail.readChunk(); chunk !== undefined; chunk = await tail.readChunk()) {
          assert.deepEqual(chunk, payload(1, tail.chunkId));
          tailIds.push(tail.chunkId);
        }
        assert.deepEqual(tailIds, [5, 6, 7]);
        const fetched = sub.fetch(namespace, "video", { start: { group: 0, object: 1 }, end: { group: 0, object: 6 } });
        const group = (await withTimeout(fetched.nextSegment(), 2_000, "fetched group")) as SegmentSubscriber;
        const fetchedIds: number[] = [];
        while ((await group.readChunk()) !== undefined) fetchedIds.push(group.chunkId);
        assert.deepEqual(fetchedIds, [2, 5]);
      });

      await t.step("objects a publisher sends as datagrams reach a subscriber through the relay", async () => {
        // A raw publisher: moqkit's session receives datagrams but does not send them.
        const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, { caCerts: [relay.pem] });
        await transport.ready;
        const control = await transport.createBidirectionalStream();
        const writer = control.writable.getWriter();
        const reader = new StreamReader(control.readable);
        const namespace = ["dgram", `d${counter++}`];
        const ns = namespace.map((field) => encoder.encode(field));
        await writer.write(
          concatBytes(
            encodeControlMessage({
              kind: "client_setup",
              versions: [0xff00000e],
              parameters: [{ type: 2, value: 100 }],
            }),
            encodeControlMessage({ kind: "publish_namespace", requestId: 0, namespace: ns, parameters: [] }),
          ),
        );
        assert.equal((await withTimeout(readControlMessage(reader), 2_000, "SERVER_SETUP"))?.kind, "server_setup");
        assert.equal((await withTimeout(readControlMessage(reader), 2_000, "OK"))?.kind, "publish_namespace_ok");
        const sub = await open();
        const { track, ready } = sub.subscribe(namespace, "audio");
        const subscribe = await withTimeout(readControlMessage(reader), 2_000, "the relay's SUBSCRIBE");
        assert.equal(subscribe?.kind, "subscribe");
        if (subscribe?.kind !== "subscribe") return;
        await writer.write(
          encodeControlMessage({
            kind: "subscribe_ok",
            requestId: subscribe.requestId,
            trackAlias: 5,
            expires: 0,
            groupOrder: 2,
            largest: undefined,
            parameters: [],
          }),
        );
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        const datagrams = transport.datagrams.writable.getWriter();
        for (let group = 0; group < 3; group++) {
          for (let object = 0; object < 3; object++) {
            await datagrams.write(
              encodeObjectDatagram({
                trackAlias: 5,
                groupId: group,
                objectId: object,
                publisherPriority: 1,
                endOfGroup: object === 2,
                payload: payload(group, object, 200),
              }),
            );
          }
          await delay(20);
        }
        const received = await withTimeout(readGroups(track, 3), 3_000, "datagram groups");
        for (let group = 0; group < 3; group++) {
          assertSameObjects(
            received.get(group),
            [0, 1, 2].map((object) => payload(group, object, 200)),
            `group ${group}`,
          );
        }
        transport.close();
      });

      await t.step("extension headers are kept and forwarded by the relay, to subscribers and in FETCH", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track, ready } = sub.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        const headerOf = (object: number) =>
          encodeExtensionHeaders([
            { type: 0x10, value: 1000 + object },
            { type: 0x21, value: payload(9, object, 5) },
          ]);
        const segment = publisher.createSegment({ sequence: 0, priority: 1 });
        for (let object = 0; object < 3; object++) segment.writeChunk(payload(0, object), undefined, headerOf(object));
        segment.close();
        const received = (await withTimeout(track.nextSegment(), 2_000, "group 0")) as SegmentSubscriber;
        for (let object = 0; object < 3; object++) {
          assert.deepEqual(await received.readChunk(), payload(0, object));
          assert.deepEqual(received.chunkHeader, headerOf(object), `object ${object}'s extensions`);
        }
        const fetched = sub.fetch(namespace, "video", { start: { group: 0, object: 0 }, end: { group: 0, object: 0 } });
        const group = (await withTimeout(fetched.nextSegment(), 2_000, "fetched group")) as SegmentSubscriber;
        assert.deepEqual(await group.readChunk(), payload(0, 0));
        assert.deepEqual(group.chunkHeader, headerOf(0));
      });

      await t.step("SUBSCRIBE_UPDATE pauses and resumes forwarding", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const subscription = sub.subscribe(namespace, "video");
        const { track } = subscription;
        await withTimeout(subscription.ready, 2_000, "SUBSCRIBE_OK");
        subscription.update({ forward: false, priority: 3 });
        await delay(100);
        writeGroup(publisher, 0, [payload(0, 0)]);
        const pending = track.nextSegment();
        const paused = await Promise.race([pending, delay(300).then(() => "nothing")]);
        assert.equal(paused, "nothing");
        subscription.update({ forward: true });
        await delay(100);
        writeGroup(publisher, 1, [payload(1, 0)]);
        const resumed = await withTimeout(pending, 2_000, "a group after resuming");
        assert.equal(resumed?.sequence, 1);
        resumed?.close();
        assert.throws(() => subscription.update({ priority: 256 }), /priority/);
      });

      await t.step("a malformed control message closes only that session with PROTOCOL_VIOLATION", async () => {
        const pub = await open();
        const sub = await open();
        const { namespace, publisher } = await publishTrack(pub);
        const { track, ready } = sub.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        // A raw client: a valid CLIENT_SETUP, then a SUBSCRIBE whose namespace field overruns the message.
        const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, { caCerts: [relay.pem] });
        await transport.ready;
        const control = await transport.createBidirectionalStream();
        const writer = control.writable.getWriter();
        const setup = encodeControlMessage({ kind: "client_setup", versions: [0xff00000e], parameters: [] });
        await writer.write(concatBytes(setup, Uint8Array.of(0x03, 0x00, 0x03, 0x00, 0x01, 0x40)));
        const info = await withTimeout(transport.closed, 3_000, "the relay closing the bad session");
        assert.equal(info.closeCode, SessionErrorCode.PROTOCOL_VIOLATION);
        await waitForLine(relay.lines, /protocol violation/);
        // Everyone else carries on.
        writeGroup(publisher, 0, [encoder.encode("still here")]);
        const segment = await withTimeout(track.nextSegment(), 2_000, "a group after the bad session");
        assert.deepEqual(await segment?.readChunk(), encoder.encode("still here"));
        segment?.close();
        assert.equal(pub.isClosed || sub.isClosed, false);
      });

      await t.step("a request ID out of order closes the session with INVALID_REQUEST_ID", async () => {
        const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, { caCerts: [relay.pem] });
        await transport.ready;
        const control = await transport.createBidirectionalStream();
        const writer = control.writable.getWriter();
        const setup = encodeControlMessage({ kind: "client_setup", versions: [0xff00000e], parameters: [] });
        const subscribe = encodeControlMessage({
          kind: "unsubscribe_namespace",
          namespacePrefix: [encoder.encode("x")],
        });
        const announce = encodeControlMessage({
          kind: "publish_namespace",
          requestId: 4,
          namespace: [encoder.encode("x")],
          parameters: [],
        });
        await writer.write(concatBytes(setup, subscribe, announce));
        const info = await withTimeout(transport.closed, 3_000, "the relay closing the session");
        assert.equal(info.closeCode, SessionErrorCode.INVALID_REQUEST_ID);
      });

      await t.step("a moq-dev client's CLIENT_SETUP (moq-lite-02, -01, then draft-14) gets draft-14", async () => {
        // The bytes @moq/lite 0.2.2 sends when the server selects no WebTransport sub-protocol.
        const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, {
          caCerts: [relay.pem],
          protocols: ["moq-lite-04", "moq-lite-03", "moql", "moqt-17", "moqt-16", "moqt-15"],
        });
        await transport.ready;
        const control = await transport.createBidirectionalStream();
        const writer = control.writable.getWriter();
        const hex = [
          "20002c", // CLIENT_SETUP, 44 bytes
          "03c0000000ff0dad02c0000000ff0dad01c0000000ff00000e", // 3 versions
          "02", // 2 parameters
          "028000a455", // MAX_REQUEST_ID = 42069
          "070b6d6f712d6c6974652d6a73", // IMPLEMENTATION = "moq-lite-js"
        ].join("");
        await writer.write(Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16)));
        const reader = new StreamReader(control.readable);
        const reply = await withTimeout(readControlMessage(reader), 2_000, "SERVER_SETUP");
        assert.equal(reply?.kind, "server_setup");
        assert.equal(reply?.kind === "server_setup" && reply.version, 0xff00000e);
        assert.ok(
          reply?.kind === "server_setup" && (intParameter(reply.parameters, SetupParameter.MAX_REQUEST_ID) ?? 0) > 0,
        );
        transport.close();
      });

      await t.step("a CLIENT_SETUP without draft-14 closes with VERSION_NEGOTIATION_FAILED", async () => {
        const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, { caCerts: [relay.pem] });
        await transport.ready;
        const control = await transport.createBidirectionalStream();
        const writer = control.writable.getWriter();
        await writer.write(
          encodeControlMessage({ kind: "client_setup", versions: [0xff00000d, 0xff0dad02], parameters: [] }),
        );
        const info = await withTimeout(transport.closed, 3_000, "the relay closing the session");
        assert.equal(info.closeCode, SessionErrorCode.VERSION_NEGOTIATION_FAILED);
      });

      await t.step("SUBSCRIBE to a namespace nobody publishes: SUBSCRIBE_ERROR after the bounded wait", async () => {
        const sub = await open();
        const started = performance.now();
        const { ready } = sub.subscribe(["nobody", "here"], "video");
        const error = await ready.then(
          () => undefined,
          (e: unknown) => e,
        );
        const waited = performance.now() - started;
        assert.ok(error instanceof RequestError);
        assert.equal(error.reason, "not found");
        assert.ok(waited >= 900 && waited < 3_000, `waited ${waited} ms`);
      });
    } finally {
      for (const session of sessions) session.close();
      await stopRelay(relay);
    }
  },
});

/**
 * One group every GROUP_INTERVAL_MS of GROUP_OBJECTS objects of OBJECT_BYTES: 10 kB, 1.6 Mbit/s. One
 * object per group: under a cap, a newer group takes the bandwidth from an older one between objects,
 * so a group of several objects would mostly arrive cut (its head only), which is not what this counts.
 */
const GROUP_INTERVAL_MS = 50;
const GROUP_OBJECTS = 1;
const OBJECT_BYTES = 10_000;

/** Writes `count` groups from `first`, one every GROUP_INTERVAL_MS, each living `ttlMs`; returns when each was written. */
async function writeGroupsPaced(
  publisher: TrackPublisher,
  first: number,
  count: number,
  ttlMs: number,
): Promise<Map<number, number>> {
  const written = new Map<number, number>();
  for (let group = first; group < first + count; group++) {
    const objects = Array.from({ length: GROUP_OBJECTS }, (_, object) => payload(group, object, OBJECT_BYTES));
    written.set(group, performance.now());
    writeGroup(publisher, group, objects, ttlMs);
    await delay(GROUP_INTERVAL_MS);
  }
  return written;
}

/**
 * Reads every group the subscriber is given, each on its own as it comes, until the track ends
 * (bounded by `maxGroups`); `received` gets when each group arrived whole (a cut one never does).
 */
async function readWholeGroups(track: TrackSubscriber, maxGroups: number, received: Map<number, number>) {
  const readers: Promise<void>[] = [];
  const readOne = async (segment: SegmentSubscriber) => {
    let objects = 0;
    try {
      for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk()) objects++;
    } catch {
      // reset: incomplete
    }
    segment.close();
    if (objects === GROUP_OBJECTS) received.set(segment.sequence, performance.now());
  };
  for (let i = 0; i < maxGroups; i++) {
    const segment = await track.nextSegment().catch(() => undefined);
    if (segment === undefined) break;
    readers.push(readOne(segment));
  }
  await Promise.all(readers);
}

Deno.test({
  name: "relay --send-rate-kbps: under the cap the newest groups get through, stale ones are cut; lifting it restores all",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // A quarter of the stream's 1.6 Mbit/s.
    const relay = await startRelay(["--send-rate-kbps", "400"]);
    const control = (method: string, query: string) =>
      fetch(`http://127.0.0.1:${relay.port}/test/send-rate${query}`, { method, signal: AbortSignal.timeout(2_000) });
    const pub = await moqConnect(relay);
    const sub = await moqConnect(relay);
    const ttlMs = 500;
    const received = new Map<number, number>();
    let reading: Promise<void> | undefined;
    try {
      const { namespace, publisher } = await publishTrack(pub, { maxCacheDurationMs: ttlMs });
      const { track, ready } = sub.subscribe(namespace, "video");
      await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
      reading = readWholeGroups(track, 1_000, received);
      const wholeAmong = (written: Map<number, number>) => [...written.keys()].filter((group) => received.has(group));

      await t.step("capped: far fewer groups, and the newest arrive soon after they were written", async () => {
        const written = await writeGroupsPaced(publisher, 0, 80, ttlMs);
        await delay(ttlMs + 300);
        const whole = wholeAmong(written);
        const newest = Math.max(...whole);
        const latency = (group: number) => (received.get(group) ?? 0) - (written.get(group) ?? 0);
        const newestLatency = latency(newest);
        const slowest = Math.max(...whole.map(latency));
        const median = whole.map(latency).sort((x, y) => x - y)[Math.floor(whole.length / 2)] ?? Number.NaN;
        const last = 79;
        console.log(
          `capped at 400 kbit/s: ${whole.length} of ${written.size} groups whole; newest ${newest} of ${last}, ` +
            `${newestLatency.toFixed(0)} ms after it was written; median ${median.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms`,
        );
        // 50 kB/s for 4 s, plus a 16 KiB burst: about 21 of 80 groups of 10 kB.
        assert.ok(whole.length <= 0.4 * written.size, `${whole.length} of ${written.size} groups arrived`);
        assert.ok(whole.length >= 0.1 * written.size, `the cap is not a stall: ${whole.length} arrived`);
        // Newest first: the subscriber is not stuck behind old groups.
        assert.ok(newest >= last - 2, `newest group received ${newest}, newest written ${last}`);
        assert.ok(newestLatency < 1_000, `the newest group took ${newestLatency} ms`);
        // Each gap in the cap goes to the newest group waiting, not the oldest (that would take ~ttlMs).
        assert.ok(median < ttlMs / 2, `groups arrived a median ${median} ms after they were written`);
        // What was not sent within its time to live was cut, not delivered late.
        assert.ok(slowest < ttlMs + 250, `a group arrived ${slowest} ms after it was written`);
      });

      await t.step("the endpoint: POST kbps=0 lifts the cap; bad requests are refused", async () => {
        const bad = await control("POST", "?kbps=fast");
        assert.equal(bad.status, 400);
        await bad.body?.cancel();
        const get = await control("GET", "?kbps=0");
        assert.equal(get.status, 405);
        await get.body?.cancel();
        const lift = await control("POST", "?kbps=0");
        assert.equal(lift.status, 200);
        assert.equal(await lift.text(), "send rate uncapped\n");
      });

      await t.step("uncapped: every group arrives whole", async () => {
        const written = await writeGroupsPaced(publisher, 100, 40, ttlMs);
        await delay(ttlMs + 300);
        const whole = wholeAmong(written);
        console.log(`uncapped: ${whole.length} of ${written.size} groups whole`);
        assert.equal(whole.length, written.size, "full delivery once the cap is lifted");
      });
    } finally {
      sub.close();
      pub.close();
      await withTimeout(reading ?? Promise.resolve(), 3_000, "the reader").catch(() => {});
      await stopRelay(relay);
    }
  },
});

Deno.test({
  name: "relay shutdown: GOAWAY to every session, then a clean close",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = await startRelay();
    try {
      const session = await moqConnect(relay);
      relay.child.kill("SIGTERM");
      assert.equal(await withTimeout(session.goneAway, 2_000, "GOAWAY"), "");
      assert.throws(() => session.subscribe(["after"], "goaway"), /GOAWAY/);
      const closed = await withTimeout(session.closed, 3_000, "the close");
      assert.equal(closed.code, SessionErrorCode.NO_ERROR);
      assert.equal((await relay.status).code, 0);
    } finally {
      await stopRelay(relay);
    }
  },
});

Deno.test({
  name: "relay --token: the token in the URL or in CLIENT_SETUP's AUTHORIZATION TOKEN",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const relay = await startRelay(["--token", "s3cret"]);
    try {
      await t.step("AUTHORIZATION TOKEN in CLIENT_SETUP lets the session in", async () => {
        const session = await moqConnect(relay, { authorizationToken: "s3cret" });
        const broadcast = session.publish(["authorized"]);
        await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        session.close();
      });
      await t.step("a wrong or missing token closes the session with UNAUTHORIZED", async () => {
        for (const authorizationToken of ["wrong", undefined]) {
          const error = await moqConnect(relay, { authorizationToken }).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(error instanceof SessionError, `expected a SessionError, got ${String(error)}`);
          assert.equal(error.code, SessionErrorCode.UNAUTHORIZED);
          assert.equal(error.remote, true);
        }
        await waitForLine(relay.lines, /moq session \/moq setup failed: unauthorized/);
      });
      await t.step("?token= in the URL works as before; a wrong one is refused with 403", async () => {
        const session = await moqConnect(relay, {}, "/moq?token=s3cret");
        assert.equal(session.isClosed, false);
        session.close();
        await assert.rejects(moqConnect(relay, {}, "/moq?token=nope"));
        await waitForLine(relay.lines, /session \/moq rejected 403/);
      });
    } finally {
      await stopRelay(relay);
    }
  },
});

Deno.test({
  name: "refused requests hand their request ID credit back: 150 refusals in a row on one session",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = await startRelay(["--announce-wait-ms", "0"]);
    try {
      const session = await moqConnect(relay);
      for (let i = 0; i < 150; i++) {
        const { ready } = session.subscribe(["nothing", `n${i}`], "video");
        const error = await withTimeout(
          ready.then(
            () => undefined,
            (e: unknown) => e,
          ),
          2_000,
          `SUBSCRIBE_ERROR ${i}`,
        );
        assert.ok(error instanceof RequestError, `refusal ${i}`);
      }
      session.close();
    } finally {
      await stopRelay(relay);
    }
  },
});
