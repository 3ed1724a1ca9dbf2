import { describe, expect, it } from "vitest";
import { sendOrder, toPublisherPriority } from "./priority.ts";

describe("sendOrder", () => {
  it("orders by subscriber priority, then publisher priority, then group order", () => {
    const urgentSubscriber = sendOrder(0, 255, 1, 0);
    const urgentPublisher = sendOrder(1, 0, 2, 1_000_000);
    expect(urgentSubscriber).toBeGreaterThan(urgentPublisher);
    expect(sendOrder(5, 0, 2, 0)).toBeGreaterThan(sendOrder(5, 1, 2, 1_000_000));
    // Descending: newest first. Ascending: oldest first.
    expect(sendOrder(5, 5, 2, 11)).toBeGreaterThan(sendOrder(5, 5, 2, 10));
    expect(sendOrder(5, 5, 1, 10)).toBeGreaterThan(sendOrder(5, 5, 1, 11));
  });

  it("stays a safe integer at the extremes", () => {
    expect(Number.isSafeInteger(sendOrder(0, 0, 2, 2 ** 37 - 1))).toBe(true);
    expect(sendOrder(0, 0, 2, 2 ** 37 - 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(sendOrder(255, 255, 1, 2 ** 37 - 1)).toBe(0);
  });

  it("clamps cache priorities to the wire's 0..255", () => {
    expect([toPublisherPriority(-3), toPublisherPriority(7), toPublisherPriority(1000)]).toEqual([0, 7, 255]);
  });
});
