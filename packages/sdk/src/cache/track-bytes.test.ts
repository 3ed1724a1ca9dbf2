// Byte bounds on the cache (issue 11, item 2): a track's maxBytes and a budget shared by tracks.
// Past either, the oldest segments go first whatever their time to live; never the newest, unless
// it alone is over the track's bound (an endless group), which then ends with an error.
import { describe, expect, it } from "vitest";
import { CacheBudget } from "./budget.ts";
import { CacheError } from "./error.ts";
import { createTrack, type TrackPublisher } from "./track.ts";

/** Writes a finished segment of `size` bytes. */
function writeSegment(track: TrackPublisher, sequence: number, size: number): void {
  const segment = track.createSegment({ sequence, priority: 0, expiresMs: 60_000 });
  segment.writeChunk(new Uint8Array(size));
  segment.close();
}

const held = (track: { segment(sequence: number): { close(): void } | undefined }, sequences: number[]) =>
  sequences.filter((sequence) => {
    const segment = track.segment(sequence);
    segment?.close();
    return segment !== undefined;
  });

describe("TrackOptions.maxBytes", () => {
  it("lets the oldest segments go first once the track holds more", () => {
    const [publisher, root] = createTrack("video", { maxBytes: 1_000 });
    for (let sequence = 0; sequence < 10; sequence++) writeSegment(publisher, sequence, 300);
    expect(root.cached().bytes).toBeLessThanOrEqual(1_000);
    expect(held(root, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([7, 8, 9]);
    publisher.close();
    root.close();
  });

  it("keeps the newest segment even when an older one arrives late", () => {
    const [publisher, root] = createTrack("video", { maxBytes: 500 });
    writeSegment(publisher, 5, 400);
    writeSegment(publisher, 4, 400);
    expect(held(root, [4, 5])).toEqual([5]);
    publisher.close();
    root.close();
  });

  it("ends the newest segment with an error once it alone outgrows the bound; readers drain what came", async () => {
    const [publisher, root] = createTrack("video", { maxBytes: 1_000 });
    const reader = root.clone();
    const segment = publisher.createSegment({ sequence: 0, priority: 0 });
    segment.writeChunk(new Uint8Array(600));
    const handle = await reader.nextSegment();
    segment.writeChunk(new Uint8Array(600));
    expect(() => segment.writeChunk(new Uint8Array(1))).toThrow(CacheError);
    expect((await handle?.readChunk())?.length).toBe(600);
    expect((await handle?.readChunk())?.length).toBe(600);
    await expect(handle?.readChunk()).rejects.toBeInstanceOf(CacheError);
    expect(root.cached().bytes).toBe(0);
    handle?.close();
    reader.close();
    publisher.close();
    root.close();
  });

  it("refuses a bad bound with a TypeError", () => {
    expect(() => createTrack("x", { maxBytes: 0 })).toThrow(TypeError);
    expect(() => createTrack("x", { maxBytes: 1.5 })).toThrow(TypeError);
  });
});

describe("CacheBudget", () => {
  it("bounds several tracks in all, letting the oldest segment of any track go first", () => {
    const budget = new CacheBudget(1_000);
    const [a, aRoot] = createTrack("a", { budget });
    const [b, bRoot] = createTrack("b", { budget });
    writeSegment(a, 0, 300); // oldest
    writeSegment(b, 0, 300);
    writeSegment(a, 1, 300);
    writeSegment(b, 1, 300); // 1200 > 1000: a/0 goes
    expect(budget.used).toBe(900);
    expect(held(aRoot, [0, 1])).toEqual([1]);
    expect(held(bRoot, [0, 1])).toEqual([0, 1]);
    writeSegment(a, 2, 300); // b/0 is now the oldest
    expect(held(bRoot, [0, 1])).toEqual([1]);
    expect(budget.used).toBeLessThanOrEqual(1_000);
    for (const handle of [a, b, aRoot, bRoot]) handle.close();
    // Tracks whose readers are gone give their bytes back.
    expect(budget.used).toBe(0);
  });

  it("counts bytes written after insertion, and expiry gives them back", () => {
    const budget = new CacheBudget(10_000);
    const [publisher, root] = createTrack("a", { budget });
    const segment = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 0 });
    segment.writeChunk(new Uint8Array(100));
    segment.writeChunk(new Uint8Array(50));
    expect(budget.used).toBe(150);
    segment.close();
    writeSegment(publisher, 1, 10);
    root.cached(); // expires what is due
    expect(budget.used).toBe(10);
    publisher.close();
    root.close();
  });
});
