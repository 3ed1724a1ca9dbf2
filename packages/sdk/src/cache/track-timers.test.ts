// Expiry timers never overflow: a time to live past 2^31-1 ms (24.8 days; a publisher's
// MAX_CACHE_DURATION may ask for more) is reached through timers of at most 2^31-1 ms each.
// Runtimes clamp a longer delay to 1 ms (with a TimeoutOverflowWarning), which re-armed the
// track's timer every millisecond for as long as the segment lived.
import { afterEach, describe, expect, it, vi } from "vitest";
import { bytes } from "../../test/cache/test-helpers.ts";
import { createTrack } from "./track.ts";

const MAX_DELAY_MS = 2 ** 31 - 1;

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("expiry timers", () => {
  it("arms no timer past 2^31-1 ms and does not spin on a long time to live", async () => {
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((handler: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return real(handler, ms === undefined || ms > MAX_DELAY_MS ? 1 : ms);
    }) as typeof setTimeout);
    const [publisher, root] = createTrack("long", {});
    try {
      const writer = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 2 ** 32 });
      writer.writeChunk(bytes(1));
      writer.close();
      await new Promise((resolve) => real(resolve, 50));
      expect(delays.length).toBe(1);
      expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_DELAY_MS);
      expect(root.segment(0)?.sequence).toBe(0);
    } finally {
      publisher.close();
      root.close();
    }
  });

  it("expires a segment whose time to live is past 2^31-1 ms at its deadline", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const [publisher, root] = createTrack("long", {});
    const ttl = MAX_DELAY_MS + 5_000;
    const writer = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: ttl });
    writer.writeChunk(bytes(1));
    writer.close();
    const second = publisher.createSegment({ sequence: 1, priority: 0, expiresMs: 1_000 });
    second.close();
    vi.advanceTimersByTime(1_000);
    expect(root.segment(1)).toBeUndefined();
    expect(root.segment(0)?.sequence).toBe(0);
    vi.advanceTimersByTime(MAX_DELAY_MS);
    expect(root.segment(0)?.sequence).toBe(0); // 4 s left
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(root.segment(0)).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    publisher.close();
    root.close();
  });
});
