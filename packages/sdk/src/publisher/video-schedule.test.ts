import { describe, expect, it } from "vitest";
import { FrameRateGate, KeyFrameSchedule, MAX_ENCODE_QUEUE, shouldDrop } from "./video-schedule.ts";

describe("KeyFrameSchedule", () => {
  it("asks for a key frame first, then once per interval of capture time", () => {
    const schedule = new KeyFrameSchedule(1000);
    const keys = [];
    for (let t = 0; t <= 2_100_000; t += 33_333) if (schedule.next(t)) keys.push(t);
    expect(keys).toEqual([0, 999_990, 1_999_980]);
  });

  it("forces one on request, and counts the interval from a key frame the encoder made itself", () => {
    const schedule = new KeyFrameSchedule(1000);
    expect(schedule.next(0)).toBe(true);
    expect(schedule.next(33_000)).toBe(false);
    schedule.force();
    expect(schedule.next(66_000)).toBe(true);
    const keys = [];
    for (let t = 99_000; t < 2_000_000; t += 33_000) {
      if (schedule.next(t)) keys.push(t);
      // The encoder's output for the frame at 231 000 came out as a key frame unasked.
      if (t === 264_000) schedule.keyFrameAt(231_000);
    }
    expect(keys).toEqual([1_221_000]);
  });

  it("asks for one when the capture clock goes back", () => {
    const schedule = new KeyFrameSchedule(1000);
    schedule.next(5_000_000);
    expect(schedule.next(1_000)).toBe(true);
  });
});

describe("frame admission", () => {
  it("drops before encoding once the encoder holds more than the bound", () => {
    expect(MAX_ENCODE_QUEUE).toBe(2);
    expect([0, 1, 2, 3, 10].map(shouldDrop)).toEqual([false, false, false, true, true]);
  });

  it("thins a 60 fps capture to 30 fps and passes a 30 fps capture with jitter", () => {
    const gate = new FrameRateGate(30);
    const at60 = Array.from({ length: 12 }, (_, i) => Math.round(i * 16_667));
    expect(at60.filter((t) => gate.admit(t))).toHaveLength(6);
    const jittery = new FrameRateGate(30);
    const at30 = [0, 30_000, 70_000, 100_000, 131_000];
    expect(at30.filter((t) => jittery.admit(t))).toEqual(at30);
  });
});
