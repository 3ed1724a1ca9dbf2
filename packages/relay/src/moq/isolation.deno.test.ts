// One session's state or misbehaviour must never fail or disturb another session (issue 11, items 9
// and 14): a namespace watcher that sent GOAWAY, a second publisher of a live namespace or track.
// Real relay process, moqkit client sessions on the Deno WebTransport client.
import assert from "node:assert/strict";
import { createTrack, type TrackPublisher, type TrackSubscriber } from "@moqkit/sdk/cache";
import type { Session } from "@moqkit/sdk/session";
import { PublishErrorCode, PublishNamespaceErrorCode, SubscribeErrorCode } from "@moqkit/sdk/wire";
import { type Relay, startRelay, stopRelay, waitForLine } from "../relay-process.ts";
import { delay, moqConnect, outcome, withTimeout } from "./test-client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let counter = 0;

/** A track that writes a group every 50 ms whose one object says who wrote it. */
class Source {
  readonly publisher: TrackPublisher;
  readonly root: TrackSubscriber;
  readonly #timer: ReturnType<typeof setInterval>;
  #group = 0;

  constructor(readonly tag: string) {
    [this.publisher, this.root] = createTrack(`video by ${tag}`);
    this.#write();
    this.#timer = setInterval(() => this.#write(), 50);
  }

  #write(): void {
    if (this.publisher.isClosed) return;
    const segment = this.publisher.createSegment({ sequence: this.#group++, priority: 1, expiresMs: 2_000 });
    segment.writeChunk(encoder.encode(this.tag));
    segment.close();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.publisher.close();
  }
}

/** Who wrote the next `count` groups a viewer gets (fails if the track ends first). */
async function tags(track: TrackSubscriber, count: number): Promise<string[]> {
  const seen: string[] = [];
  while (seen.length < count) {
    const segment = await track.nextSegment();
    assert.ok(segment !== undefined, `the track ended after ${seen.length} groups`);
    const chunk = await segment.readChunk();
    segment.close();
    seen.push(chunk === undefined ? "" : decoder.decode(chunk));
  }
  return seen;
}

/** A new viewer of `namespace`/video: who wrote the groups it gets. */
async function view(session: Session, namespace: string[], count = 3): Promise<string[]> {
  const { track, ready } = session.subscribe(namespace, "video");
  try {
    await withTimeout(ready, 3_000, "SUBSCRIBE_OK");
    return await withTimeout(tags(track, count), 3_000, "groups");
  } finally {
    track.close();
  }
}

Deno.test({
  name: "relay isolation: one session never fails or hijacks another's requests",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const relay: Relay = await startRelay();
    const sessions: Session[] = [];
    const sources: Source[] = [];
    const open = async () => {
      const session = await moqConnect(relay);
      sessions.push(session);
      return session;
    };
    const source = (tag: string) => {
      const made = new Source(tag);
      sources.push(made);
      return made;
    };
    try {
      await t.step("a watcher of every namespace that sent GOAWAY fails nobody's PUBLISH_NAMESPACE", async () => {
        const watcherSession = await open();
        const watcher = watcherSession.subscribeNamespace([]);
        await withTimeout(watcher.ready, 2_000, "SUBSCRIBE_NAMESPACE_OK");
        watcherSession.goAway();
        await delay(200);
        const pub = await open();
        const viewer = await open();
        // (Closing the watcher whatever happens: the steps below must not see it.)
        using _ = { [Symbol.dispose]: () => watcherSession.close() };
        for (let i = 0; i < 3; i++) {
          const namespace = ["isolation", `goaway${counter++}`];
          const broadcast = pub.publish(namespace);
          broadcast.addTrack("video", source("publisher").root);
          assert.equal(
            await withTimeout(outcome(broadcast.ready), 2_000, "PUBLISH_NAMESPACE reply"),
            "ok",
            `PUBLISH_NAMESPACE ${i} after a watcher's GOAWAY`,
          );
          assert.deepEqual(await view(viewer, namespace), ["publisher", "publisher", "publisher"]);
        }
        assert.equal(watcherSession.isClosed, false, "the watcher that went away may leave on its own");
      });

      await t.step("a second PUBLISH_NAMESPACE of a live namespace is refused, the owner undisturbed", async () => {
        const owner = await open();
        const attacker = await open();
        const viewer = await open();
        const namespace = ["isolation", `owned${counter++}`];
        const mine = owner.publish(namespace);
        mine.addTrack("video", source("owner").root);
        await withTimeout(mine.ready, 2_000, "the owner's PUBLISH_NAMESPACE_OK");
        const { track: watching, ready } = viewer.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        await withTimeout(tags(watching, 2), 2_000, "the owner's groups");

        const theirs = attacker.publish(namespace);
        theirs.addTrack("video", source("attacker").root);
        assert.equal(
          await withTimeout(outcome(theirs.ready), 3_000, "the attacker's PUBLISH_NAMESPACE reply"),
          PublishNamespaceErrorCode.UNAUTHORIZED,
        );
        assert.deepEqual(await withTimeout(tags(watching, 3), 2_000, "groups"), ["owner", "owner", "owner"]);
        assert.deepEqual(await view(await open(), namespace), ["owner", "owner", "owner"]);
        watching.close();

        // The owner leaves: the refused publisher did not take the namespace over...
        owner.close();
        await waitForLine(relay.lines, new RegExp(`^publish namespace done ${namespace.join("/")}$`));
        const late = await open();
        const { ready: lateReady } = late.subscribe(namespace, "video");
        assert.notEqual(await withTimeout(outcome(lateReady), 3_000, "a late SUBSCRIBE's reply"), "ok");
        // ...but the namespace is free again: a new publisher may take it.
        const next = (await open()).publish(namespace);
        next.addTrack("video", source("next").root);
        assert.equal(await withTimeout(outcome(next.ready), 2_000, "the next PUBLISH_NAMESPACE reply"), "ok");
        assert.deepEqual(await view(late, namespace), ["next", "next", "next"]);
      });

      await t.step("a PUBLISH of a live track from another session is refused, the live one undisturbed", async () => {
        const owner = await open();
        const attacker = await open();
        const viewer = await open();
        const namespace = ["isolation", `pushed${counter++}`];
        await withTimeout(owner.publishTrack(namespace, "video", source("owner").root), 2_000, "PUBLISH_OK");
        await waitForLine(relay.lines, new RegExp(`^publish ${namespace.join("/")}:video$`));
        const { track: watching, ready } = viewer.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        await withTimeout(tags(watching, 2), 2_000, "the owner's groups");

        const reply = await withTimeout(
          outcome(attacker.publishTrack(namespace, "video", source("attacker").root)),
          2_000,
          "the attacker's PUBLISH reply",
        );
        // PUBLISH_ERROR UNAUTHORIZED: the session asks the relay before it answers.
        assert.equal(reply, PublishErrorCode.UNAUTHORIZED);
        assert.deepEqual(await withTimeout(tags(watching, 3), 2_000, "groups"), ["owner", "owner", "owner"]);
        assert.deepEqual(await view(await open(), namespace), ["owner", "owner", "owner"]);
        watching.close();

        // The owner leaves: the track is free again.
        const closedBefore = relay.lines.filter((line) => line.startsWith("moq session closed")).length;
        owner.close();
        for (let i = 0; i < 100; i++) {
          if (relay.lines.filter((line) => line.startsWith("moq session closed")).length > closedBefore) break;
          await delay(20);
        }
        await withTimeout(attacker.publishTrack(namespace, "video", source("next").root), 2_000, "PUBLISH_OK");
        assert.deepEqual(await view(await open(), namespace), ["next", "next", "next"]);
      });

      await t.step("a PUBLISH into a namespace another session publishes is refused", async () => {
        const owner = await open();
        const attacker = await open();
        const namespace = ["isolation", `mixed${counter++}`];
        const mine = owner.publish(namespace);
        mine.addTrack("video", source("owner").root);
        await withTimeout(mine.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        const reply = await withTimeout(
          outcome(attacker.publishTrack(namespace, "video", source("attacker").root)),
          2_000,
          "the attacker's PUBLISH reply",
        );
        assert.deepEqual(await view(await open(), namespace), ["owner", "owner", "owner"]);
        assert.equal(reply, PublishErrorCode.UNAUTHORIZED);
        // A viewer already watching keeps the owner's track when the attacker tries again.
        const viewer = await open();
        const { track: watching, ready } = viewer.subscribe(namespace, "video");
        await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
        await outcome(attacker.publishTrack(namespace, "video", source("attacker").root));
        await delay(200);
        assert.deepEqual(await withTimeout(tags(watching, 3), 2_000, "groups"), ["owner", "owner", "owner"]);
        watching.close();
      });

      await t.step("a publisher reconnecting while its old session closes gets its namespace back", async () => {
        const old = await open();
        const namespace = ["isolation", `reconnect${counter++}`];
        const before = old.publish(namespace);
        before.addTrack("video", source("old").root);
        await withTimeout(before.ready, 2_000, "the first PUBLISH_NAMESPACE_OK");
        const again = (await open()).publish(namespace);
        again.addTrack("video", source("new").root);
        const reply = outcome(again.ready);
        await delay(100);
        old.close();
        assert.equal(await withTimeout(reply, 3_000, "the new session's PUBLISH_NAMESPACE reply"), "ok");
        assert.deepEqual(await view(await open(), namespace), ["new", "new", "new"]);
      });

      await t.step("a SUBSCRIBE to a publisher that sent GOAWAY is refused as not found", async () => {
        const pub = await open();
        const namespace = ["isolation", `leaving${counter++}`];
        const broadcast = pub.publish(namespace);
        broadcast.addTrack("video", source("leaving").root);
        await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        pub.goAway();
        await delay(200);
        const viewer = await open();
        const { ready } = viewer.subscribe(namespace, "video");
        assert.equal(
          await withTimeout(outcome(ready), 3_000, "SUBSCRIBE reply"),
          SubscribeErrorCode.TRACK_DOES_NOT_EXIST,
        );
        assert.equal(viewer.isClosed, false);
      });
    } finally {
      for (const made of sources) made.stop();
      for (const session of sessions) session.close();
      await stopRelay(relay);
    }
  },
});
