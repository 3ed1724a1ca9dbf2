import { describe, expect, it } from "vitest";
import { StreamReader } from "../wire/index.ts";
import { SessionArgumentError } from "./errors.ts";
import { ReceiveLimitExceeded, ReceivePool, SessionReceiveBudget } from "./receive-budget.ts";

/** A stream that yields `chunks`, then stays open (or ends, with `end`). */
function streamOf(chunks: Uint8Array[], end = false): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      if (end) controller.close();
    },
  });
}

describe("SessionReceiveBudget", () => {
  it("refuses past its own limit and counts what was released", () => {
    const budget = new SessionReceiveBudget(100);
    budget.charge(60);
    budget.release(30);
    budget.charge(70);
    expect(budget.used).toBe(100);
    expect(() => budget.charge(1)).toThrow(ReceiveLimitExceeded);
  });

  it("throws a typed error for a bad limit", () => {
    expect(() => new SessionReceiveBudget(0)).toThrow(SessionArgumentError);
    expect(() => new ReceivePool(Number.NaN)).toThrow(SessionArgumentError);
  });

  it("past the pool's limit evicts the largest holder, or refuses the charger when it is the largest", () => {
    const pool = new ReceivePool(100);
    const evicted: string[] = [];
    const hog = new SessionReceiveBudget(1_000, pool, () => evicted.push("hog"));
    const small = new SessionReceiveBudget(1_000, pool, () => evicted.push("small"));
    hog.charge(80);
    small.charge(30);
    expect(evicted).toEqual(["hog"]);
    // The evicted session no longer counts against the pool.
    expect(pool.used).toBe(30);
    hog.charge(500);
    expect(pool.used).toBe(30);
    expect(() => small.charge(80)).toThrow(ReceiveLimitExceeded);
  });

  it("a session that ends gives its share of the pool back", () => {
    const pool = new ReceivePool(100);
    const budget = new SessionReceiveBudget(100, pool);
    budget.charge(90);
    budget.detach();
    expect(pool.used).toBe(0);
    budget.release(90);
    expect(pool.used).toBe(0);
  });
});

describe("StreamReader with a budget", () => {
  it("charges what it buffers and releases what is taken or cancelled", async () => {
    const budget = new SessionReceiveBudget(1_000);
    const reader = new StreamReader(streamOf([new Uint8Array(10), new Uint8Array(20)]), budget);
    await reader.bytes(15);
    expect(budget.used).toBe(15);
    await reader.cancel();
    expect(budget.used).toBe(0);
  });

  it("an object larger than the budget fails the read with ReceiveLimitExceeded; cancel gives everything back", async () => {
    const budget = new SessionReceiveBudget(25);
    const chunks = Array.from({ length: 5 }, () => new Uint8Array(10));
    const reader = new StreamReader(streamOf(chunks), budget);
    await expect(reader.bytes(50)).rejects.toBeInstanceOf(ReceiveLimitExceeded);
    await reader.cancel();
    expect(budget.used).toBe(0);
  });
});
