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
  it("judges each segment at its deadline: sent if every object was written, expired if not", () => {
    let now = 0;
    const counters = new MediaCounters();
    const tally = new WireTally(counters, () => now);
    // Group 0: three objects, all written in time.
    tally.began(0);
    tally.sent(0, 0, 100);
    tally.sent(0, 1, 50);
    tally.sent(0, 2, 50);
    tally.finished(0, 3, 1000);
    // Group 1: cut after its first object. Group 2: never begun on the wire.
    now = 100;
    tally.began(1);
    tally.sent(1, 0, 10);
    tally.finished(1, 3, 1000);
    tally.began(2);
    tally.finished(2, 1, 1000);
    tally.settle();
    expect(counters).toMatchObject({ bytesSent: 210, segmentsSent: 0, segmentsExpired: 0 }); // none is due yet
    now = 1000;
    tally.settle();
    expect(counters).toMatchObject({ segmentsSent: 1, segmentsExpired: 0 });
    now = 1100;
    tally.settle();
    expect(counters).toMatchObject({ segmentsSent: 1, segmentsExpired: 2 });
  });

  it("counts a segment written again after a reconnect once, and ignores groups already judged", () => {
    let now = 0;
    const counters = new MediaCounters();
    const tally = new WireTally(counters, () => now);
    tally.began(5);
    tally.sent(5, 0, 1);
    tally.sent(5, 0, 1); // a new session resends from the start
    tally.sent(5, 1, 1);
    tally.finished(5, 2, 10);
    now = 20;
    tally.settle();
    tally.sent(5, 0, 1);
    tally.settle();
    expect(counters).toMatchObject({ bytesSent: 4, segmentsSent: 1, segmentsExpired: 0 });
  });
});
