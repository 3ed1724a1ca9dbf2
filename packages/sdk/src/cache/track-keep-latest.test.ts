// TrackOptions.keepLatest: the newest segment outlives its time to live while it is the newest,
// so a reader joining a track written once (a catalog) still finds it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bytes, flush, watch } from "../../test/cache/test-helpers.ts";
import { createTrack, type TrackSubscriber } from "./track.ts";

/** Everything a reader can take now, by sequence number, without waiting. */
function available(subscriber: TrackSubscriber): number[] {
  const reader = subscriber.clone();
  const out: number[] = [];
  for (let segment = reader.tryNextSegment(); segment !== undefined; segment = reader.tryNextSegment()) {
    out.push(segment.sequence);
    segment.close();
  }
  reader.close();
  return out.sort((a, b) => a - b);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("keepLatest", () => {
  it("keeps a segment written once for as long as it is the newest, whatever its time to live", async () => {
    const [publisher, root] = createTrack("catalog.json", { keepLatest: true });
    const writer = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 10_000 });
    writer.writeChunk(bytes(1, 2, 3));
    writer.close();
    expect(vi.getTimerCount()).toBe(0); // no timer for a segment that cannot expire yet
    vi.advanceTimersByTime(20_000);
    // A reader joining 20 s later gets it, whole.
    const late = root.clone();
    const segment = await late.nextSegment();
    expect(segment?.sequence).toBe(0);
    expect(await segment?.readChunk()).toEqual(bytes(1, 2, 3));
    expect(root.segment(0)?.sequence).toBe(0);
  });

  it("without the option the same segment expires (the default is unchanged)", async () => {
    const [publisher, root] = createTrack("catalog.json");
    publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 10_000 }).close();
    vi.advanceTimersByTime(20_000);
    expect(root.segment(0)).toBeUndefined();
    const next = watch(root.clone().nextSegment());
    await flush();
    expect(next.current.state).toBe("pending");
  });

  it("once a newer segment arrives, the old newest expires at once if its deadline has passed", () => {
    const [publisher, root] = createTrack("video", { keepLatest: true });
    publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 100 }).close();
    vi.advanceTimersByTime(150);
    expect(available(root)).toEqual([0]);
    publisher.createSegment({ sequence: 1, priority: 0, expiresMs: 100 }).close();
    // No timer had to fire: 0 is gone as soon as 1 is in.
    expect(root.segment(0)).toBeUndefined();
    expect(available(root)).toEqual([1]);
    // Its slot was pruned, so its sequence number is free again.
    expect(() => publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 100 }).close()).not.toThrow();
  });

  it("once a newer segment arrives, the old newest expires at its own deadline, on the one timer", () => {
    const [publisher, root] = createTrack("video", { keepLatest: true });
    publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 100 }).close();
    vi.advanceTimersByTime(60);
    publisher.createSegment({ sequence: 1, priority: 0, expiresMs: 100 }).close();
    expect(vi.getTimerCount()).toBe(1); // for 0's deadline; 1 is kept
    vi.advanceTimersByTime(39);
    expect(available(root)).toEqual([0, 1]);
    vi.advanceTimersByTime(1);
    expect(available(root)).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(available(root)).toEqual([1]);
  });

  it("an older segment inserted later expires as usual and does not displace the newest", () => {
    const [publisher, root] = createTrack("video", { keepLatest: true });
    publisher.createSegment({ sequence: 5, priority: 0, expiresMs: 10 }).close();
    publisher.createSegment({ sequence: 2, priority: 0, expiresMs: 10 }).close();
    expect(available(root)).toEqual([2, 5]);
    vi.advanceTimersByTime(10);
    expect(available(root)).toEqual([5]);
    expect(root.latestSequence).toBe(5);
  });

  it("still prunes leading expired slots and keeps readers' positions valid", async () => {
    const [publisher, root] = createTrack("video", { keepLatest: true });
    const reader = root.clone();
    for (let sequence = 0; sequence < 500; sequence++) {
      publisher.createSegment({ sequence, priority: 0, expiresMs: 10 }).close();
    }
    vi.advanceTimersByTime(10);
    expect(available(root)).toEqual([499]);
    expect((await reader.nextSegment())?.sequence).toBe(499);
    publisher.createSegment({ sequence: 500, priority: 0 }).close();
    expect((await reader.nextSegment())?.sequence).toBe(500);
    // 499 was overdue: it went when 500 came; the pruned sequence numbers are free again.
    expect(available(root)).toEqual([500]);
    publisher.createSegment({ sequence: 3, priority: 9 }).close();
    expect((await reader.nextSegment())?.sequence).toBe(3);
  });

  it("the kept segment is let go when the track is", () => {
    const [publisher, root] = createTrack("video", { keepLatest: true });
    const writer = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 10 });
    vi.advanceTimersByTime(100);
    root.close();
    // The track's own handle on the segment was closed, so its writer has no reader left.
    expect(() => writer.writeChunk(bytes(1))).toThrow(expect.objectContaining({ code: "closed" }));
  });

  it("refuses a keepLatest that is not a boolean", () => {
    expect(() => createTrack("video", { keepLatest: "yes" as unknown as boolean })).toThrow(TypeError);
  });
});
