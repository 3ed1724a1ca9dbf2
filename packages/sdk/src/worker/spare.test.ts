import { describe, expect, it } from "vitest";
import { Spare } from "./spare.ts";

/** A Spare of numbered things with a fake timer: `fire()` runs the pending refill. */
function harness() {
  let next = 1;
  const started: number[] = [];
  const stopped: number[] = [];
  const timers = new Map<number, () => void>();
  let timerId = 0;
  const spare = new Spare<number>({
    start: () => {
      started.push(next);
      return next++;
    },
    stop: (n) => stopped.push(n),
    refillDelayMs: 1000,
    setTimer: (callback) => {
      timers.set(++timerId, callback);
      return timerId;
    },
    clearTimer: (handle) => timers.delete(handle as number),
  });
  const fire = () => {
    const pending = [...timers.values()];
    timers.clear();
    for (const callback of pending) callback();
  };
  return { spare, started, stopped, timers, fire };
}

describe("Spare", () => {
  it("starts nothing until asked", () => {
    const { spare, started } = harness();
    expect(spare.ready).toBe(false);
    expect(started).toEqual([]);
  });

  it("take() without a spare starts one for the taker, and the next one only after the refill delay", () => {
    const { spare, started, timers, fire } = harness();
    expect(spare.take()).toBe(1);
    expect(started).toEqual([1]);
    expect(spare.ready).toBe(false);
    expect(timers.size).toBe(1);
    fire();
    expect(started).toEqual([1, 2]);
    expect(spare.ready).toBe(true);
  });

  it("take() hands over the waiting one, already started, and refills later", () => {
    const { spare, started, fire } = harness();
    spare.prewarm();
    expect(started).toEqual([1]);
    expect(spare.take()).toBe(1);
    expect(started).toEqual([1]);
    fire();
    expect(spare.take()).toBe(2);
    expect(started).toEqual([1, 2]);
  });

  it("keeps at most one waiting: prewarm() twice, or a refill over a prewarm, starts one", () => {
    const { spare, started, fire } = harness();
    spare.prewarm();
    spare.prewarm();
    expect(started).toEqual([1]);
    spare.take();
    spare.prewarm(); // before the refill fires: it starts one now and cancels the refill
    fire();
    expect(started).toEqual([1, 2]);
  });

  it("dispose() stops the waiting one and cancels the refill", () => {
    const { spare, stopped, timers } = harness();
    spare.prewarm();
    spare.dispose();
    expect(stopped).toEqual([1]);
    spare.take();
    expect(timers.size).toBe(1);
    spare.dispose();
    expect(timers.size).toBe(0);
    expect(spare.ready).toBe(false);
  });
});
