import { describe, expect, it } from "vitest";
import { ANCHOR_FRAMES, WallClockAnchor, wallNowUs } from "./clock.ts";

describe("WallClockAnchor", () => {
  it("fixes each kind's offset at the smallest delay of its first frames, which are skipped", () => {
    const base = 1_700_000_000_000_000; // the wall clock when capture time 5 000 000 was taken
    let now = 0;
    const anchor = new WallClockAnchor(() => now, 3);
    // Three frames 33 ms apart: the first two waited in the capture queue (300 and 267 ms), the third 2 ms.
    for (const [capture, delay] of [
      [5_000_000, 300_000],
      [5_033_000, 267_000],
      [5_066_000, 2_000],
    ] as const) {
      now = base + (capture - 5_000_000) + delay;
      expect(anchor.observe("video", capture)).toBe(false);
    }
    now = base + 99_000 + 5_000;
    expect(anchor.observe("video", 5_099_000)).toBe(true);
    expect(anchor.toWallUs("video", 5_099_000)).toBe(base + 99_000 + 2_000);
    // Later frames keep their capture spacing exactly.
    expect(anchor.toWallUs("video", 5_132_333) - anchor.toWallUs("video", 5_099_000)).toBe(33_333);
  });

  it("keeps the kinds apart (their capture clocks differ in Chromium)", () => {
    const now = 1_700_000_000_000_000;
    const anchor = new WallClockAnchor(() => now, 1);
    anchor.observe("video", 2_581_894_800);
    anchor.observe("audio", 889_700);
    expect(anchor.toWallUs("video", 2_581_894_800)).toBe(now);
    expect(anchor.toWallUs("audio", 889_700)).toBe(now);
    expect(ANCHOR_FRAMES).toBeGreaterThan(0);
  });

  it("anchors on the first frame when nothing was observed", () => {
    const anchor = new WallClockAnchor(() => 1_000_000_000);
    expect(anchor.toWallUs("audio", 10)).toBe(1_000_000_000);
    expect(anchor.toWallUs("audio", 20_010)).toBe(1_000_020_000);
  });

  it("reads Unix time in microseconds", () => {
    expect(Math.abs(wallNowUs() / 1000 - Date.now())).toBeLessThan(50);
  });
});
