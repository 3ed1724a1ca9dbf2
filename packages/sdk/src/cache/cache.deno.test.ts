// Rule 8: the same cache modules, unchanged, under Deno (the relay's runtime). Run by `deno test`.
import assert from "node:assert/strict";
import { CacheError, createTrack, type SegmentSubscriber } from "./index.ts";

declare const Deno: { test(name: string, fn: () => Promise<void> | void): void };

async function readAll(segment: SegmentSubscriber): Promise<number[]> {
  const out: number[] = [];
  for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk())
    out.push(...chunk);
  return out;
}

Deno.test("priority order, fan-out and close", async () => {
  const [publisher, subscriber] = createTrack("deno");
  const clone = subscriber.clone();
  for (const [sequence, priority] of [
    [0, 1],
    [1, 0],
    [2, 1],
  ] as const) {
    const segment = publisher.createSegment({ sequence, priority });
    segment.writeChunk(new Uint8Array([sequence]));
    segment.close();
  }
  publisher.close();
  for (const reader of [subscriber, clone]) {
    const seen: number[] = [];
    for (let segment = await reader.nextSegment(); segment !== undefined; segment = await reader.nextSegment()) {
      assert.deepEqual(await readAll(segment), [segment.sequence]);
      seen.push(segment.sequence);
    }
    assert.deepEqual(seen, [1, 2, 0]);
  }
});

Deno.test("expiry on a real timer, duplicates and errors", async () => {
  const [publisher, subscriber] = createTrack("deno");
  publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 20 }).close();
  publisher.createSegment({ sequence: 1, priority: 1 }).close();
  assert.throws(
    () => publisher.createSegment({ sequence: 1, priority: 0 }),
    (error: unknown) => {
      return error instanceof CacheError && error.code === "duplicate";
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const segment = await subscriber.nextSegment();
  assert.equal(segment?.sequence, 1);
  publisher.close(CacheError.reset(9));
  await assert.rejects(
    subscriber.nextSegment(),
    (error: unknown) => error instanceof CacheError && error.wireCode === 9,
  );
  subscriber.close();
});
