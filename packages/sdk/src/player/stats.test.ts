// WindowedSamples (percentiles over a sliding time window) and the player's empty stats.
import { describe, expect, it } from "vitest";
import { emptyStats, WindowedSamples } from "./stats.ts";

describe("WindowedSamples", () => {
  it("has no quantile and no minimum before the first sample", () => {
    const samples = new WindowedSamples(1000);
    expect(samples.quantile(0.5, 0)).toBeNaN();
    expect(samples.min(0)).toBeNaN();
    expect(samples.size).toBe(0);
  });

  it("gives the q-quantile as the sample at floor(q * n) of the sorted samples", () => {
    const samples = new WindowedSamples(10_000);
    // Added out of order: the quantile sorts.
    for (const [i, value] of [7, 3, 9, 1, 5, 10, 2, 8, 4, 6].entries()) samples.add(i, value);
    expect(samples.quantile(0, 10)).toBe(1);
    expect(samples.quantile(0.5, 10)).toBe(6); // floor(0.5 * 10) = 5 → the 6th smallest
    expect(samples.quantile(0.95, 10)).toBe(10); // floor(9.5) = 9 → the largest
    expect(samples.quantile(0.98, 10)).toBe(10);
    expect(samples.quantile(1, 10)).toBe(10); // clamped to the last
    expect(samples.min(10)).toBe(1);
    expect(samples.size).toBe(10);
  });

  it("sorts numerically, not as strings", () => {
    const samples = new WindowedSamples(1000);
    for (const value of [100, 20, 3]) samples.add(0, value);
    expect(samples.min(0)).toBe(3);
    expect(samples.quantile(0.5, 0)).toBe(20);
    expect(samples.quantile(1, 0)).toBe(100);
  });

  it("keeps a sample exactly `window` old and forgets it just after", () => {
    const samples = new WindowedSamples(1000);
    samples.add(0, 1);
    samples.add(500, 5);
    expect(samples.min(1000)).toBe(1);
    expect(samples.quantile(0, 1000)).toBe(1);
    expect(samples.min(1000.5)).toBe(5);
    expect(samples.size).toBe(1);
    expect(samples.quantile(0.5, 1500)).toBe(5);
    expect(samples.quantile(0.5, 1501)).toBeNaN();
    expect(samples.min(1501)).toBeNaN();
    expect(samples.size).toBe(0);
  });

  it("prunes on add: old samples leave as new ones arrive", () => {
    const samples = new WindowedSamples(100);
    for (let t = 0; t <= 1000; t += 10) samples.add(t, t);
    // Within [900, 1000]: 900, 910, …, 1000.
    expect(samples.size).toBe(11);
    expect(samples.min(1000)).toBe(900);
    expect(samples.quantile(1, 1000)).toBe(1000);
  });

  it("clear() forgets every sample", () => {
    const samples = new WindowedSamples(1000);
    samples.add(0, 1);
    samples.add(1, 2);
    samples.clear();
    expect(samples.size).toBe(0);
    expect(samples.min(1)).toBeNaN();
    samples.add(2, 9);
    expect(samples.min(2)).toBe(9);
    expect(samples.quantile(0.5, 2)).toBe(9);
    // Later, past the window of the samples cleared: only what was added since counts.
    samples.add(1500, 4);
    expect(samples.size).toBe(1);
    expect(samples.min(1500)).toBe(4);
    expect(samples.quantile(0.5, 1500)).toBe(4);
  });

  it("min and quantile do not change the samples' order (the window still prunes the oldest first)", () => {
    const samples = new WindowedSamples(100);
    samples.add(0, 50);
    samples.add(50, 10);
    samples.add(90, 30);
    expect(samples.quantile(0.5, 90)).toBe(30);
    expect(samples.min(90)).toBe(10);
    // At 120 only the sample added at 0 is out: the one added at 50 (value 10) stays.
    expect(samples.min(120)).toBe(10);
    expect(samples.size).toBe(2);
    // At 151 only the one added at 90 is left.
    expect(samples.min(151)).toBe(30);
  });
});

describe("emptyStats", () => {
  it("starts every counter at zero and the latency at NaN, in a new object each time", () => {
    const stats = emptyStats();
    expect(stats).toMatchObject({
      framesDecoded: 0,
      framesRendered: 0,
      framesDropped: 0,
      framesCaughtUp: 0,
      segmentsSkipped: 0,
      audioUnderruns: 0,
      audioFramesPlayed: 0,
      bufferMs: 0,
      targetBufferMs: 0,
      bytesReceived: 0,
      rendition: {},
    });
    expect(stats.latencyMs.last).toBeNaN();
    expect(stats.latencyMs.p95).toBeNaN();
    const other = emptyStats();
    expect(other).not.toBe(stats);
    expect(other.latencyMs).not.toBe(stats.latencyMs);
    expect(other.rendition).not.toBe(stats.rendition);
  });
});
