import { describe, expect, it } from "vitest";
import { LatencyWindow, MediaCounters, percentile, WireTally } from "./stats.ts";

describe("LatencyWindow", () => {
  it("reports nearest-rank p50/p95 per window and keeps the last one through an empty window", () => {
    const window = new LatencyWindow();
    expect(window.roll().p50).toBeNaN();
    for (let ms = 1; ms <= 100; ms++) window.add(ms);
    expect(window.roll()).toEqual({ p50: 50, p95: 95 });
    expect(window.roll()).toEqual({ p50: 50, p95: 95 });
    window.add(7);
    window.add(Number.NaN);
    expect(window.roll()).toEqual({ p50: 7, p95: 7 });
  });

  it("percentile of nothing is NaN", () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
  });
});

describe("WireTally", () => {
  it("counts bytes, segments begun, and segments skipped by a newer one (taken back if sent later)", () => {
    const counters = new MediaCounters();
    const tally = new WireTally(counters);
    tally.sent(0, 0, 100);
    tally.sent(0, 1, 50);
    expect(counters).toMatchObject({ bytesSent: 150, segmentsSent: 1, segmentsExpired: 0 });
    // Groups 1 and 2 never went out: 3 was sent first.
    tally.sent(3, 0, 10);
    expect(counters).toMatchObject({ segmentsSent: 2, segmentsExpired: 2 });
    // Group 2 goes out after all (newest first under congestion).
    tally.sent(2, 0, 10);
    expect(counters).toMatchObject({ segmentsSent: 3, segmentsExpired: 1 });
    // A resend of a group already counted (a new session after a reconnect) is one more send, not less expiry.
    tally.sent(3, 0, 10);
    expect(counters).toMatchObject({ bytesSent: 180, segmentsSent: 4, segmentsExpired: 1 });
  });

  it("counts a long gap without remembering each group", () => {
    const counters = new MediaCounters();
    const tally = new WireTally(counters);
    tally.sent(10_000, 0, 1);
    expect(counters.segmentsExpired).toBe(10_000);
    tally.sent(5, 0, 1);
    expect(counters.segmentsExpired).toBe(10_000);
  });
});
