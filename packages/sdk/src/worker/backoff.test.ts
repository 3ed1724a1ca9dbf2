import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.ts";

describe("Backoff", () => {
  it("doubles from the initial delay up to the cap, without jitter", () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoff.attempts).toBe(7);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it("spreads each delay by at most the jitter fraction", () => {
    const low = new Backoff({ jitter: 0.2 }, () => 0);
    const high = new Backoff({ jitter: 0.2 }, () => 0.999_999);
    expect(low.next()).toBe(80);
    expect(high.next()).toBe(120);
    const random = new Backoff({}, Math.random);
    for (let i = 0; i < 50; i++) {
      const delay = random.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(1_200);
    }
  });
});
