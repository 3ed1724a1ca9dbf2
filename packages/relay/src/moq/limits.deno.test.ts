// Bounds the relay puts on what a publisher asks for (issue 11, item 2): the time to live a
// publisher's MAX_CACHE_DURATION gives its groups is capped by --max-cache-duration-ms (default
// 30 000), and no cache timer is ever armed past 2^31-1 ms, where runtimes clamp it to 1 ms and warn.
import assert from "node:assert/strict";
import { createTrack, type TrackPublisher } from "@moqkit/sdk/cache";
import type { Session } from "@moqkit/sdk/session";
import { type Relay, startRelay, stopRelay } from "../relay-process.ts";
import { delay, moqConnect, withTimeout } from "./test-client.ts";

let counter = 0;

async function publishTrack(session: Session, maxCacheDurationMs: number) {
  const namespace = ["limits-test", `ns${counter++}`];
  const broadcast = session.publish(namespace);
  const [publisher, root] = createTrack("video");
  broadcast.addTrack("video", root, { maxCacheDurationMs });
  await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
  return { namespace, publisher };
}

function writeGroup(publisher: TrackPublisher, group: number, expiresMs?: number): void {
  const segment = publisher.createSegment({ sequence: group, priority: 1, expiresMs });
  segment.writeChunk(new Uint8Array(64).fill(group));
  segment.close();
}

/** Publishes with MAX_CACHE_DURATION `asked`, subscribes through the relay, writes `groups` groups, reads them. */
async function relayTrack(relay: Relay, asked: number, groups: number) {
  const pub = await moqConnect(relay);
  const sub = await moqConnect(relay);
  try {
    const { namespace, publisher } = await publishTrack(pub, asked);
    const { track, ready } = sub.subscribe(namespace, "video");
    const info = await withTimeout(ready, 3_000, "SUBSCRIBE_OK");
    let received = 0;
    for (let group = 0; group < groups; group++) {
      // The groups' own time to live is left unset: the relay keeps them for what MAX_CACHE_DURATION says.
      writeGroup(publisher, group);
      const segment = await withTimeout(track.nextSegment(), 3_000, `group ${group}`);
      assert.ok(segment !== undefined, `group ${group} arrived`);
      while ((await segment.readChunk()) !== undefined) {}
      segment.close();
      received++;
    }
    return { info, received };
  } finally {
    pub.close(0, "done");
    sub.close(0, "done");
  }
}

Deno.test({
  name: "relay limits: cache duration",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await t.step("a MAX_CACHE_DURATION past 2^31-1 ms is capped at the default, with no timer overflow", async () => {
      const relay = await startRelay();
      try {
        // 2^32 ms (49 days): past what a timer can hold.
        const { info, received } = await relayTrack(relay, 2 ** 32, 20);
        assert.equal(received, 20);
        await delay(300);
        const overflow = relay.errors.filter((line) => /TimeoutOverflowWarning/.test(line));
        assert.deepEqual(overflow, [], "timer overflow warnings on the relay's stderr");
        // The relay forwards the time to live it keeps groups for: capped at the default, 30 s.
        assert.equal(info.cacheDurationMs, 30_000, "the relay's MAX_CACHE_DURATION to its subscriber");
      } finally {
        await stopRelay(relay);
      }
    });

    await t.step("--max-cache-duration-ms caps what the publisher asks", async () => {
      const relay = await startRelay(["--max-cache-duration-ms", "500"]);
      try {
        const { info } = await relayTrack(relay, 60_000, 3);
        assert.equal(info.cacheDurationMs, 500);
        // A publisher asking less than the cap keeps its own.
        const { info: less } = await relayTrack(relay, 200, 1);
        assert.equal(less.cacheDurationMs, 200);
      } finally {
        await stopRelay(relay);
      }
    });

    await t.step("--max-cache-duration-ms refuses values out of range", async () => {
      for (const value of ["-1", "1.5", "abc", String(2 ** 31)]) {
        const output = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--unstable-net",
            "--allow-net",
            "--allow-read",
            "packages/relay/src/main.ts",
            "--port",
            "0",
            "--max-cache-duration-ms",
            value,
          ],
          cwd: new URL("../../../../", import.meta.url).pathname,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(output.code, 2, `--max-cache-duration-ms ${value}`);
        assert.match(new TextDecoder().decode(output.stderr), /--max-cache-duration-ms must be an integer/);
      }
    });
  },
});
