// The router's limits and deadlines (issue 11, items 3 and 8), against the real relay process:
// namespaces per session and in all, pushed tracks per session, and an upstream SUBSCRIBE the
// publisher never answers. Each refusal is for that request alone: the session stays open.
import assert from "node:assert/strict";
import { createTrack, type TrackPublisher } from "@moqkit/sdk/cache";
import type { ServedTrack, Session } from "@moqkit/sdk/session";
import { PublishErrorCode, PublishNamespaceErrorCode, SubscribeErrorCode } from "@moqkit/sdk/wire";
import { type Relay, startRelay, stopRelay, waitForLine } from "../relay-process.ts";
import { delay, moqConnect, outcome, withTimeout } from "./test-client.ts";

let counter = 0;

/** Publishes `namespace` with a track "video" holding one group; resolves with the reply. */
function publishNamespace(session: Session, namespace: string[]) {
  const broadcast = session.publish(namespace);
  const [publisher, root] = createTrack("video");
  writeGroup(publisher, 0);
  broadcast.addTrack("video", root);
  return { broadcast, reply: outcome(broadcast.ready) };
}

function writeGroup(publisher: TrackPublisher, group: number): void {
  const segment = publisher.createSegment({ sequence: group, priority: 1 });
  segment.writeChunk(new Uint8Array([group]));
  segment.close();
}

/** Whether a new viewer gets SUBSCRIBE_OK for `namespace`/`name`. */
async function viewable(relay: Relay, namespace: string[], name = "video"): Promise<"ok" | number> {
  const viewer = await moqConnect(relay);
  try {
    const { track, ready } = viewer.subscribe(namespace, name);
    const reply = await withTimeout(outcome(ready), 8_000, "SUBSCRIBE reply");
    track.close();
    return reply;
  } finally {
    viewer.close();
  }
}

Deno.test({
  name: "relay router limits: namespaces and tracks per session and in all",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await t.step(
      "past 64 namespaces (the default) a session's PUBLISH_NAMESPACE is refused, the session open",
      async () => {
        const relay = await startRelay();
        const pub = await moqConnect(relay);
        try {
          const base = `many${counter++}`;
          const first = Array.from({ length: 64 }, (_, i) => publishNamespace(pub, ["limits", base, `${i}`]));
          const replies = await withTimeout(Promise.all(first.map((made) => made.reply)), 5_000, "64 replies");
          assert.deepEqual(new Set(replies), new Set(["ok"]));
          const over = publishNamespace(pub, ["limits", base, "64"]);
          assert.equal(
            await withTimeout(over.reply, 3_000, "the 65th PUBLISH_NAMESPACE reply"),
            PublishNamespaceErrorCode.INTERNAL_ERROR,
          );
          await delay(100);
          assert.equal(pub.isClosed, false, "the session stays open");
          assert.equal(await viewable(relay, ["limits", base, "0"]), "ok", "its namespaces are still served");
          // One withdrawn: room for one more.
          first[0]?.broadcast.close();
          await waitForLine(relay.lines, new RegExp(`^publish namespace done limits/${base}/0$`));
          const next = publishNamespace(pub, ["limits", base, "65"]);
          assert.equal(await withTimeout(next.reply, 3_000, "PUBLISH_NAMESPACE reply after a withdrawal"), "ok");
        } finally {
          pub.close();
          await stopRelay(relay);
        }
      },
    );

    await t.step("--max-namespaces bounds them across sessions; a session that leaves frees its own", async () => {
      const relay = await startRelay(["--max-namespaces", "3", "--max-namespaces-per-session", "2"]);
      const a = await moqConnect(relay);
      const b = await moqConnect(relay);
      try {
        const base = `total${counter++}`;
        assert.equal(await publishNamespace(a, ["limits", base, "a0"]).reply, "ok");
        assert.equal(await publishNamespace(a, ["limits", base, "a1"]).reply, "ok");
        assert.equal(
          await publishNamespace(a, ["limits", base, "a2"]).reply,
          PublishNamespaceErrorCode.INTERNAL_ERROR,
          "over the per-session limit",
        );
        assert.equal(await publishNamespace(b, ["limits", base, "b0"]).reply, "ok");
        assert.equal(
          await publishNamespace(b, ["limits", base, "b1"]).reply,
          PublishNamespaceErrorCode.INTERNAL_ERROR,
          "over the relay's limit",
        );
        assert.equal(a.isClosed || b.isClosed, false, "both sessions stay open");
        a.close();
        await waitForLine(relay.lines, new RegExp(`^publish namespace done limits/${base}/a1$`));
        assert.equal(await publishNamespace(b, ["limits", base, "b2"]).reply, "ok", "room again");
      } finally {
        a.close();
        b.close();
        await stopRelay(relay);
      }
    });

    await t.step("--max-tracks-per-session bounds the tracks one session pushes (PUBLISH)", async () => {
      const relay = await startRelay(["--max-tracks-per-session", "2"]);
      const pub = await moqConnect(relay);
      try {
        const namespace = ["limits", `pushed${counter++}`];
        const replies: ("ok" | number)[] = [];
        for (const name of ["t0", "t1", "t2"]) {
          const [publisher, root] = createTrack(name);
          writeGroup(publisher, 0);
          replies.push(await withTimeout(outcome(pub.publishTrack(namespace, name, root)), 2_000, "the PUBLISH reply"));
        }
        // The third: PUBLISH_ERROR INTERNAL_ERROR (the draft has no code for "too many").
        assert.deepEqual(replies, ["ok", "ok", PublishErrorCode.INTERNAL_ERROR]);
        await waitForLine(relay.lines, new RegExp(`^refused publish limits/${namespace[1]}:t2: too many tracks`));
        assert.equal(await viewable(relay, namespace, "t0"), "ok");
        assert.notEqual(await viewable(relay, namespace, "t2"), "ok", "the refused track is not served");
        assert.equal(pub.isClosed, false, "the session stays open");
      } finally {
        pub.close();
        await stopRelay(relay);
      }
    });
  },
});

/** A publisher of `namespace` that never answers a SUBSCRIBE until the test lets it. */
async function silentPublisher(relay: Relay, namespace: string[]) {
  const answers: Array<(served: ServedTrack) => void> = [];
  const session = await moqConnect(relay, {
    handler: {
      resolveTrack: () => new Promise<ServedTrack>((resolve) => answers.push(resolve)),
    },
  });
  const broadcast = session.publish(namespace);
  await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
  return { session, answers };
}

Deno.test({
  name: "relay router deadlines: an upstream SUBSCRIBE the publisher never answers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await t.step("--upstream-timeout-ms: SUBSCRIBE_ERROR TIMEOUT, and the upstream request is withdrawn", async () => {
      const relay = await startRelay(["--upstream-timeout-ms", "500"]);
      const namespace = ["limits", `silent${counter++}`];
      const { session, answers } = await silentPublisher(relay, namespace);
      try {
        const started = Date.now();
        assert.equal(await viewable(relay, namespace), SubscribeErrorCode.TIMEOUT);
        const took = Date.now() - started;
        assert.ok(took < 3_000, `answered after ${took} ms`);
        await waitForLine(relay.lines, new RegExp(`^upstream subscribe limits/${namespace[1]}:video timed out`));
        // The publisher answers late: the relay has sent UNSUBSCRIBE, so its session drops the track at once.
        assert.equal(answers.length, 1, "one upstream SUBSCRIBE");
        let released = false;
        const [, root] = createTrack("video");
        answers[0]?.({ track: root, release: () => (released = true) });
        for (let i = 0; i < 50 && !released; i++) await delay(20);
        assert.equal(released, true, "the publisher saw the UNSUBSCRIBE");
        assert.equal(session.isClosed, false, "the publisher's session stays open");
      } finally {
        session.close();
        await stopRelay(relay);
      }
    });

    await t.step("by default the viewer gets SUBSCRIBE_ERROR TIMEOUT within a few seconds", async () => {
      const relay = await startRelay();
      const namespace = ["limits", `silent${counter++}`];
      const { session } = await silentPublisher(relay, namespace);
      try {
        assert.equal(await viewable(relay, namespace), SubscribeErrorCode.TIMEOUT);
      } finally {
        session.close();
        await stopRelay(relay);
      }
    });
  },
});
