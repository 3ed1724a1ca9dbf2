import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SessionArgumentError } from "./errors.ts";
import { SendRateLimit } from "./send-rate.ts";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Takes `bytes` and records when it was granted (fake ms) under `label`, or that it was refused. */
function takeAndLog(
  limit: SendRateLimit,
  bytes: number,
  priority: number,
  label: string,
  log: string[],
  signal?: AbortSignal,
): void {
  const wait = limit.take(bytes, priority, signal);
  if (wait === undefined) log.push(label);
  else void wait.then((granted) => log.push(granted ? label : `${label}: cancelled`));
}

describe("SendRateLimit", () => {
  it("costs nothing without a rate: take() answers at once", () => {
    const limit = new SendRateLimit(undefined);
    for (let i = 0; i < 1_000; i++) expect(limit.take(1_000_000, 0)).toBeUndefined();
    expect(limit.waiting).toBe(0);
  });

  it("lets a burst go at once, then honours the rate within 5%", async () => {
    const rate = 50_000; // bytes per second
    const limit = new SendRateLimit(rate, { burstBytes: 16 * 1024 });
    const chunk = 1_000;
    expect(limit.take(chunk, 0)).toBeUndefined();
    // A writer that writes whenever it may, for 10 s of fake time.
    let sent = chunk;
    let running = true;
    const writer = (async () => {
      for (let i = 0; i < 10_000 && running; i++) {
        const wait = limit.take(chunk, 0);
        if (wait !== undefined && !(await wait)) return;
        sent += chunk;
      }
    })();
    await vi.advanceTimersByTimeAsync(10_000);
    running = false;
    limit.setRate(undefined);
    await writer;
    const expected = 16 * 1024 + rate * 10;
    expect(Math.abs(sent - expected) / expected).toBeLessThan(0.05);
  });

  it("a write larger than the burst goes once a burst is there, and the average still holds", async () => {
    const limit = new SendRateLimit(10_000, { burstBytes: 1_000 });
    const log: string[] = [];
    takeAndLog(limit, 5_000, 0, "big", log);
    expect(log).toEqual(["big"]);
    takeAndLog(limit, 1_000, 0, "next", log);
    // In debt by 4 000 bytes: the next 1 000 need 5 000 bytes of refill, 500 ms.
    await vi.advanceTimersByTimeAsync(490);
    expect(log).toEqual(["big"]);
    await vi.advanceTimersByTimeAsync(20);
    expect(log).toEqual(["big", "next"]);
  });

  it("lets the waiter with the highest priority go first, ties in arrival order", async () => {
    const limit = new SendRateLimit(1_000, { burstBytes: 100 });
    expect(limit.take(100, 0)).toBeUndefined();
    const log: string[] = [];
    takeAndLog(limit, 100, 1, "old", log);
    takeAndLog(limit, 100, 5, "newest", log);
    takeAndLog(limit, 100, 3, "newer", log);
    takeAndLog(limit, 100, 3, "newer too", log);
    expect(limit.waiting).toBe(4);
    for (let step = 0; step < 4; step++) await vi.advanceTimersByTimeAsync(100);
    expect(log).toEqual(["newest", "newer", "newer too", "old"]);
  });

  it("a newcomer with a higher priority overtakes the waiters, not a free bucket's first come", async () => {
    const limit = new SendRateLimit(1_000, { burstBytes: 100 });
    expect(limit.take(100, 0)).toBeUndefined();
    const log: string[] = [];
    takeAndLog(limit, 100, 1, "old", log);
    await vi.advanceTimersByTimeAsync(50);
    takeAndLog(limit, 100, 9, "new", log);
    await vi.advanceTimersByTimeAsync(60);
    expect(log).toEqual(["new"]);
    await vi.advanceTimersByTimeAsync(100);
    expect(log).toEqual(["new", "old"]);
  });

  it("a cancelled waiter stops waiting and gives its turn to the next", async () => {
    const limit = new SendRateLimit(1_000, { burstBytes: 100 });
    expect(limit.take(100, 0)).toBeUndefined();
    const log: string[] = [];
    const cut = new AbortController();
    takeAndLog(limit, 100, 5, "cut", log, cut.signal);
    takeAndLog(limit, 100, 1, "kept", log);
    await vi.advanceTimersByTimeAsync(50);
    cut.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(["cut: cancelled"]);
    expect(limit.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(60);
    expect(log).toEqual(["cut: cancelled", "kept"]);
    // Already aborted: refused at once, takes nothing.
    const refused = limit.take(1, 9, cut.signal);
    expect(refused).toBeDefined();
    expect(await refused).toBe(false);
  });

  it("setRate(undefined) lets every waiter go at once; setRate(n) changes the pace", async () => {
    const limit = new SendRateLimit(100, { burstBytes: 100 });
    expect(limit.take(100, 0)).toBeUndefined();
    const log: string[] = [];
    for (let i = 0; i < 5; i++) takeAndLog(limit, 100, i, `w${i}`, log);
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toEqual([]);
    limit.setRate(undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(["w4", "w3", "w2", "w1", "w0"]);
    expect(limit.waiting).toBe(0);
    expect(limit.take(1_000_000, 0)).toBeUndefined();
    // Capped again, ten times faster than before.
    limit.setRate(1_000);
    expect(limit.take(100, 0)).toBeUndefined();
    takeAndLog(limit, 100, 0, "fast", log);
    await vi.advanceTimersByTimeAsync(101);
    expect(log.at(-1)).toBe("fast");
  });

  it("refuses a rate or burst that is not a positive number", () => {
    expect(() => new SendRateLimit(0)).toThrow(SessionArgumentError);
    expect(() => new SendRateLimit(Number.NaN)).toThrow(SessionArgumentError);
    expect(() => new SendRateLimit(1_000, { burstBytes: -1 })).toThrow(SessionArgumentError);
    expect(() => new SendRateLimit(1_000).setRate(-5)).toThrow(SessionArgumentError);
  });
});
