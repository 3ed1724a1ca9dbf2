// The relay's cache is bounded in bytes (issue 11, item 2), against the real relay process. Before,
// a publisher's MAX_CACHE_DURATION of an hour at ~24 Mbit/s grew the relay linearly (+149 MiB in
// 40 s). Now each track holds at most --max-cache-bytes-per-track and the whole cache at most
// --max-cache-bytes; past either the oldest groups go first, whatever their time to live, and the
// newest stays for viewers joining late. A FETCH of every group shows what the relay still holds.
import assert from "node:assert/strict";
import { createTrack, type TrackPublisher } from "@moqkit/sdk/cache";
import type { Session } from "@moqkit/sdk/session";
import { startRelay, stopRelay } from "../relay-process.ts";
import { moqConnect, readGroups, withTimeout } from "./test-client.ts";

const KiB = 1024;
const GROUP_BYTES = 128 * KiB;
const GROUPS = 24;
let counter = 0;

/** Publishes a track asking an hour of caching, relays GROUPS groups of 128 KiB through a viewer. */
async function relayedTrack(pub: Session, viewer: Session): Promise<string[]> {
  const namespace = ["cache-bytes", `ns${counter++}`];
  const broadcast = pub.publish(namespace);
  const [publisher, root] = createTrack("video");
  broadcast.addTrack("video", root, { maxCacheDurationMs: 3_600_000 });
  await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
  const { track, ready } = viewer.subscribe(namespace, "video");
  await withTimeout(ready, 3_000, "SUBSCRIBE_OK");
  // One group at a time, each through to the viewer before the next (a burst past the bound would
  // rightly lose its oldest groups before they were forwarded).
  for (let group = 0; group < GROUPS; group++) {
    writeGroup(publisher, group);
    const got = await withTimeout(readGroups(track, 1), 3_000, `group ${group} at the live viewer`);
    assert.deepEqual([...got.keys()], [group], "the live viewer gets every group");
  }
  return namespace;
}

function writeGroup(publisher: TrackPublisher, group: number): void {
  const segment = publisher.createSegment({ sequence: group, priority: 1 });
  segment.writeChunk(new Uint8Array(GROUP_BYTES).fill(group));
  segment.close();
}

/** The groups the relay still holds of a track: a FETCH of all of them. */
async function cachedGroups(viewer: Session, namespace: string[]): Promise<number[]> {
  const fetched = viewer.fetch(namespace, "video", {
    start: { group: 0, object: 0 },
    end: { group: GROUPS - 1, object: 0 },
  });
  const groups = await withTimeout(readGroups(fetched, GROUPS), 5_000, "fetched groups");
  return [...groups.keys()].sort((a, b) => a - b);
}

Deno.test({
  name: "relay cache bytes: per track and in all, the oldest groups go first and the newest stays",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // 1 MiB per track (8 groups), 1.5 MiB in all (12 groups); an hour of MAX_CACHE_DURATION allowed.
    const relay = await startRelay([
      "--max-cache-duration-ms",
      "3600000",
      "--max-cache-bytes-per-track",
      String(1024 * KiB),
      "--max-cache-bytes",
      String(1536 * KiB),
    ]);
    const pub = await moqConnect(relay);
    const viewer = await moqConnect(relay);
    try {
      let first: string[] = [];
      await t.step("a track holds its newest groups up to its bound", async () => {
        first = await relayedTrack(pub, viewer);
        const held = await cachedGroups(viewer, first);
        // 8 groups of 128 KiB fill 1 MiB: the newest 8, though an hour of caching was asked.
        assert.deepEqual(held, [16, 17, 18, 19, 20, 21, 22, 23], "the relay holds the newest 1 MiB");
      });
      await t.step("past the total, the oldest group of any track goes first", async () => {
        const second = await relayedTrack(pub, viewer);
        const heldFirst = await cachedGroups(viewer, first);
        const heldSecond = await cachedGroups(viewer, second);
        // The second track fills its own 1 MiB (8 groups); the first track's groups are all older, so
        // its oldest went to make room: 12 groups of 128 KiB fill the 1.5 MiB exactly.
        assert.deepEqual(heldSecond, [16, 17, 18, 19, 20, 21, 22, 23], "the second track holds its newest 8");
        assert.deepEqual(heldFirst, [20, 21, 22, 23], "the first track lost its oldest groups");
        const total = (heldFirst.length + heldSecond.length) * GROUP_BYTES;
        assert.ok(total <= 1536 * KiB, `the relay holds ${total} bytes in all`);
      });
    } finally {
      pub.close();
      viewer.close();
      await stopRelay(relay);
    }
  },
});
