import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Heap } from "./heap.ts";

describe("Heap", () => {
  it("pops in order for any input, and copies are independent", () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (values) => {
        const heap = new Heap<number>((a, b) => a < b);
        for (const value of values) heap.push(value);
        const copy = heap.copy();
        const popped: number[] = [];
        for (let value = heap.pop(); value !== undefined; value = heap.pop()) popped.push(value);
        expect(popped).toEqual([...values].sort((a, b) => a - b));
        expect(copy.size).toBe(values.length);
      }),
    );
  });
});
