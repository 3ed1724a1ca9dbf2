import { describe, expect, it } from "vitest";
import { createTrack } from "../cache/index.ts";
import { planFetch } from "./serve-fetch.ts";
import { largestLocation } from "./served-track.ts";

function cachedTrack(groups: number[], objects = 3) {
  const [publisher, root] = createTrack("t");
  for (const group of groups) {
    const segment = publisher.createSegment({ sequence: group, priority: 0 });
    for (let i = 0; i < objects; i++) segment.writeChunk(Uint8Array.of(group, i));
    segment.close();
  }
  return { publisher, served: { track: root } };
}

describe("planFetch", () => {
  it("picks the cached groups in range, in the requested order, with their object counts", () => {
    const { served } = cachedTrack([0, 1, 2, 3, 4]);
    const plan = planFetch(served, { start: { group: 1, object: 0 }, end: { group: 3, object: 2 } }, 1);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.segments.map((segment) => segment.sequence)).toEqual([1, 2, 3]);
    expect(plan.chunkCounts.get(3)).toBe(3);
    expect(plan.chunkCounts.get(1)).toBe(3);
    expect(plan.end).toEqual({ group: 3, object: 2 });
    const descending = planFetch(served, { start: { group: 1, object: 0 }, end: { group: 3, object: 0 } }, 2);
    expect(descending.ok && descending.segments.map((segment) => segment.sequence)).toEqual([3, 2, 1]);
  });

  it("ends at the largest object when asked for more than exists", () => {
    const { served } = cachedTrack([0, 1]);
    const plan = planFetch(served, { start: { group: 0, object: 0 }, end: { group: 1_000_000_000, object: 0 } }, 0);
    expect(plan.ok && plan.end).toEqual({ group: 1, object: 3 });
  });

  it("refuses a start beyond the largest object, an inverted range, an empty track and an empty range", () => {
    const { served } = cachedTrack([2, 5]);
    expect(planFetch(served, { start: { group: 6, object: 0 }, end: { group: 7, object: 0 } }, 0)).toMatchObject({
      ok: false,
      code: 0x5,
    });
    expect(planFetch(served, { start: { group: 5, object: 0 }, end: { group: 2, object: 0 } }, 0)).toMatchObject({
      ok: false,
      code: 0x5,
    });
    expect(planFetch(served, { start: { group: 3, object: 0 }, end: { group: 4, object: 0 } }, 0)).toMatchObject({
      ok: false,
      code: 0x6,
    });
    expect(
      planFetch(cachedTrack([]).served, { start: { group: 0, object: 0 }, end: { group: 1, object: 0 } }, 0),
    ).toMatchObject({ ok: false, code: 0x5 });
  });
});

describe("largestLocation", () => {
  it("is the newest group and its last object, or undefined before any", () => {
    expect(largestLocation(cachedTrack([]).served.track)).toBeUndefined();
    expect(largestLocation(cachedTrack([1, 4, 2], 5).served.track)).toEqual({ group: 4, object: 4 });
  });
});
