// PlayoutClock with a made-up path: a frame sent (captured) at `sent` ms on the publisher's clock
// arrives here `delay` ms later. The publisher's clock is OFFSET_MS ahead of the page's, so a
// transit (arrival minus timestamp) holds that unknown offset, as it does for real; a picture's due
// time on the page is then `sent + fastest delay + target`.
import { describe, expect, it } from "vitest";
import { PlayoutClock } from "./playout-clock.ts";

const OFFSET_MS = 1_000_000;
/** Frame interval (ms): 50 frames a second. */
const STEP_MS = 20;

/** The timestamp (µs, the publisher's clock) of the frame sent at page time `sentMs`. */
const tsOf = (sentMs: number): number => (sentMs + OFFSET_MS) * 1000;

/** Observes one frame sent at `sentMs` that arrives `delayMs` later; returns its arrival time. */
function arrive(clock: PlayoutClock, sentMs: number, delayMs: number, catchingUp = false): number {
  const at = sentMs + delayMs;
  clock.observe(tsOf(sentMs), at, catchingUp);
  return at;
}

/**
 * Frames sent every STEP_MS over [fromMs, toMs), each with `delay(sent)`, observed in arrival order
 * (those arrived by `untilMs` only); returns the last arrival observed.
 */
function stream(
  clock: PlayoutClock,
  fromMs: number,
  toMs: number,
  delay: (sentMs: number) => number,
  untilMs = Number.POSITIVE_INFINITY,
): number {
  const frames: { sent: number; at: number }[] = [];
  for (let sent = fromMs; sent < toMs; sent += STEP_MS) frames.push({ sent, at: sent + delay(sent) });
  frames.sort((a, b) => a.at - b.at);
  const arrived = frames.filter((frame) => frame.at <= untilMs);
  for (const { sent, at } of arrived) clock.observe(tsOf(sent), at);
  return arrived.at(-1)?.at ?? fromMs;
}

/** The page time the frame sent at `sentMs` is due, evaluated at `nowMs`. */
const due = (clock: PlayoutClock, sentMs: number, nowMs: number): number => clock.dueMs(tsOf(sentMs), nowMs);

describe("PlayoutClock", () => {
  it("knows nothing before the first frame: not ready, no due time, the target is the latency option", () => {
    const clock = new PlayoutClock(120);
    expect(clock.ready).toBe(false);
    expect(clock.dueMs(tsOf(0), 0)).toBeNaN();
    expect(clock.targetMs(0)).toBe(120);
    expect(clock.latencyMs).toBe(120);
    arrive(clock, 0, 40);
    expect(clock.ready).toBe(true);
    expect(due(clock, 0, 40)).toBe(0 + 40 + 120);
  });

  it("dueMs is the timestamp plus the floor plus the target, for any frame", () => {
    const clock = new PlayoutClock(100);
    arrive(clock, 1000, 30);
    // The fastest trip was 30 ms; the buffer adds 100 ms.
    expect(due(clock, 1000, 1030)).toBe(1130);
    expect(due(clock, 1020, 1030)).toBe(1150);
    expect(due(clock, 1500, 1030)).toBe(1630);
    // Fractions of a millisecond in the timestamp carry through.
    expect(clock.dueMs(tsOf(1000) + 500, 1030)).toBeCloseTo(1130.5, 9);
  });

  it("the floor follows the fastest transit: a faster frame lowers it at once", () => {
    const clock = new PlayoutClock(100);
    arrive(clock, 0, 80);
    expect(due(clock, 0, 80)).toBe(180);
    arrive(clock, 20, 70);
    expect(due(clock, 0, 90)).toBe(170);
    arrive(clock, 40, 50);
    expect(due(clock, 0, 90)).toBe(150);
    arrive(clock, 60, 60);
    expect(due(clock, 0, 120)).toBe(150);
  });

  it("a late frame does not raise the floor", () => {
    // A latency option above the late frame's lag keeps the spread out of the target: only the floor shows.
    const clock = new PlayoutClock(500);
    stream(clock, 0, 200, () => 50);
    expect(due(clock, 200, 250)).toBe(200 + 50 + 500);
    arrive(clock, 200, 400); // 350 ms later than the others
    expect(due(clock, 200, 600)).toBe(200 + 50 + 500);
    arrive(clock, 220, 50);
    expect(due(clock, 220, 600)).toBe(220 + 50 + 500);
  });

  it("the floor rises only once the fast transits are 2 s old, when the path gets slower", () => {
    // A latency option above the step keeps the spread out of the target: only the floor moves.
    const clock = new PlayoutClock(500);
    stream(clock, 0, 1000, () => 50); // the last fast frame arrives at 980 + 50 = 1030
    // From then on every frame takes 150 ms.
    for (let sent = 1000; sent + 150 <= 1030 + 2000; sent += STEP_MS) {
      const at = arrive(clock, sent, 150);
      expect(due(clock, sent, at)).toBe(sent + 50 + 500);
    }
    // The fast sample has left the 2 s window at the first frame after 1030 + 2000.
    const sent = 2900; // arrives at 3050
    const at = arrive(clock, sent, 150);
    expect(at).toBeGreaterThan(1030 + 2000);
    expect(due(clock, sent, at)).toBe(sent + 150 + 500);
  });

  it("the target is the latency option while the spread is smaller", () => {
    const clock = new PlayoutClock(100);
    // Every frame 50 ms, then ±40 ms of jitter: below the 100 ms option.
    const last = stream(clock, 0, 2000, (sent) => 50 + ((sent / STEP_MS) % 3) * 20);
    expect(clock.targetMs(last)).toBe(100);
    expect(due(clock, 2000, last)).toBe(2000 + 50 + 100);
  });

  it("the target is the spread's 95th percentile when it exceeds the latency option", () => {
    const clock = new PlayoutClock(100);
    // One frame in ten arrives 200 ms after the fastest: well over 2% of them.
    const last = stream(clock, 0, 2000, (sent) => ((sent / STEP_MS) % 10 === 5 ? 250 : 50));
    expect(clock.targetMs(last)).toBe(200);
    expect(due(clock, 2000, last)).toBe(2000 + 50 + 200);
    // The larger of the two: an option above the spread wins again, and applies at once.
    clock.latencyMs = 300;
    expect(clock.targetMs(last)).toBe(300);
    expect(due(clock, 2000, last)).toBe(2000 + 50 + 300);
  });

  it("a few late frames (under one in twenty) do not raise the target: they may be dropped", () => {
    // 100 frames over 2 s, some of them 200 ms late.
    const lateEvery = (clock: PlayoutClock, late: number): number =>
      stream(clock, 0, 2000, (sent) => (sent % 400 === 200 && sent < late * 400 ? 250 : 50));
    const four = new PlayoutClock(100);
    expect(four.targetMs(lateEvery(four, 4))).toBe(100);
    // Five in a hundred: the 95th percentile is one of them.
    const five = new PlayoutClock(100);
    expect(five.targetMs(lateEvery(five, 5))).toBe(200);
  });

  it("ignores the spread until ten frames were measured", () => {
    const clock = new PlayoutClock(100);
    arrive(clock, 0, 50);
    for (let i = 1; i < 9; i++) arrive(clock, i * STEP_MS, 250); // 200 above the floor
    expect(clock.targetMs(1000)).toBe(100);
    arrive(clock, 9 * STEP_MS, 250); // the tenth sample
    expect(clock.targetMs(1000)).toBe(200);
  });

  it("the adaptive part never grows past 250 ms: beyond jitter, the player skips instead of buffering", () => {
    const clock = new PlayoutClock(100);
    // Every other frame 2 s late, measured while fast and slow frames both arrive.
    const last = stream(clock, 0, 6000, (sent) => ((sent / STEP_MS) % 2 === 0 ? 50 : 2050), 4000);
    expect(last).toBeGreaterThan(3900);
    expect(clock.targetMs(last)).toBe(250);
    // The option itself is not capped.
    clock.latencyMs = 1500;
    expect(clock.targetMs(last)).toBe(1500);
  });

  it("the spread is forgotten after 3 s without frames (a stall): the target comes back to the latency option", () => {
    const clock = new PlayoutClock(100);
    stream(clock, 0, 2000, (sent) => ((sent / STEP_MS) % 10 === 5 ? 250 : 50));
    // Nothing arrives after the last frame (sent 1980, at 2030): too few recent samples to say the
    // lateness has passed, so the spread holds for its whole window.
    expect(clock.targetMs(2150 + 1500)).toBe(200);
    // The last late frame was sent at 1900 and arrived at 2150; 3 s after, it is out of the window.
    expect(clock.targetMs(2150 + 3000 + 1)).toBe(100);
  });

  it("a second of frames all on time brings the target down at once (lateness that has passed, not jitter)", () => {
    const clock = new PlayoutClock(100);
    stream(clock, 0, 2000, (sent) => ((sent / STEP_MS) % 10 === 5 ? 250 : 50));
    // Half a second of on-time frames: the late ones are still among the last second's.
    expect(clock.targetMs(stream(clock, 2000, 2500, () => 50))).toBe(200);
    // A second of them: the last second's slowest is the floor, though the 3 s window still holds the late ones.
    const last = stream(clock, 2500, 3300, () => 50);
    expect(clock.targetMs(last)).toBe(100);
    // One late frame again: the last second is no longer all on time, and the spread counts again.
    const at = arrive(clock, 3300, 250);
    expect(clock.targetMs(at)).toBe(200);
  });

  it("the spread counts while at least ten samples are within the last 3 s", () => {
    const clock = new PlayoutClock(100);
    arrive(clock, 0, 50);
    // Ten frames 200 ms slower than the first, arrived at 270..450.
    for (let i = 1; i <= 10; i++) arrive(clock, i * STEP_MS, 250);
    expect(clock.targetMs(450)).toBe(200);
    // The first of the ten leaves the window just after 270 + 3000: nine are too few to go by.
    expect(clock.targetMs(270 + 3000)).toBe(200);
    expect(clock.targetMs(270 + 3000 + 0.5)).toBe(100);
  });

  it("catch-up frames (a burst of cached frames) do not inflate the spread", () => {
    // The same arrivals twice: the burst's frames are old (1 s of cached frames decoded at once).
    const observe = (clock: PlayoutClock, catchingUp: boolean): number => {
      stream(clock, 0, 1000, () => 50);
      // At 1050, the decoder outputs 30 cached frames sent 1000..1580 ms before.
      for (let i = 0; i < 30; i++) clock.observe(tsOf(-1000 + i * 20), 1050 + i, catchingUp);
      return 1080;
    };
    const clock = new PlayoutClock(100);
    const now = observe(clock, true);
    expect(clock.targetMs(now)).toBe(100);
    expect(due(clock, 1000, now)).toBe(1000 + 50 + 100);
    // The control: the same frames, not marked, would have raised the target.
    const control = new PlayoutClock(100);
    expect(control.targetMs(observe(control, false))).toBe(250);
  });

  it("a catch-up frame still lowers the floor", () => {
    const clock = new PlayoutClock(100);
    arrive(clock, 0, 80);
    arrive(clock, 20, 30, true);
    expect(due(clock, 40, 60)).toBe(40 + 30 + 100);
  });

  it("a transit more than 5 s from the floor is a new timeline: the floor and the spread start over", () => {
    const clock = new PlayoutClock(100);
    const last = stream(clock, 0, 2000, (sent) => ((sent / STEP_MS) % 10 === 5 ? 250 : 50));
    expect(clock.targetMs(last)).toBe(200);
    // The publisher restarted: its timestamps went back 60 s (the transit grows by 60 s).
    const restarted = (sentMs: number) => (sentMs - 60_000 + OFFSET_MS) * 1000;
    clock.observe(restarted(2100), 2200, false);
    // The floor is the new transit at once (no 2 s wait), and the old spread is gone.
    expect(clock.targetMs(2200)).toBe(100);
    expect(clock.dueMs(restarted(2100), 2200)).toBe(2200 + 100);
    expect(clock.dueMs(restarted(2120), 2200)).toBe(2220 + 100);
  });

  it("a jump forward of the timestamps (a transit far below the floor) starts over too", () => {
    const clock = new PlayoutClock(100);
    const last = stream(clock, 0, 2000, (sent) => ((sent / STEP_MS) % 10 === 5 ? 250 : 50));
    expect(clock.targetMs(last)).toBe(200);
    // The publisher's timestamps jumped 6 s ahead. A lower transit lowers the floor anyway; the reset
    // shows in the old spread being gone.
    const ahead = (sentMs: number) => (sentMs + 6000 + OFFSET_MS) * 1000;
    clock.observe(ahead(2000), last + 20, false);
    expect(clock.targetMs(last + 20)).toBe(100);
    expect(clock.dueMs(ahead(2000), last + 20)).toBe(last + 20 + 100);
  });

  it("a transit up to 5 s from the floor is the same timeline; beyond, it starts over", () => {
    const clock = new PlayoutClock(100);
    const last = stream(clock, 0, 2000, (sent) => ((sent / STEP_MS) % 10 === 5 ? 250 : 50));
    expect(clock.targetMs(last)).toBe(200);
    // A frame sent 4.9 s before the newest arrives now (5000 ms above the floor): very late, no restart.
    clock.observe(tsOf(last - 50 - 5000), last, true);
    expect(clock.targetMs(last)).toBe(200);
    expect(due(clock, 2000, last)).toBe(2000 + 50 + 200);
    // 5001 ms above the floor: a new timeline.
    clock.observe(tsOf(last - 50 - 5001), last, true);
    expect(clock.targetMs(last)).toBe(100);
    expect(due(clock, 2000, last)).toBe(2000 + 50 + 5001 + 100);
  });

  it("reset() forgets everything measured", () => {
    const clock = new PlayoutClock(100);
    stream(clock, 0, 2000, (sent) => ((sent / STEP_MS) % 10 === 5 ? 250 : 50));
    clock.reset();
    expect(clock.ready).toBe(false);
    expect(clock.dueMs(tsOf(2000), 2100)).toBeNaN();
    expect(clock.targetMs(2100)).toBe(100);
    arrive(clock, 3000, 400);
    expect(due(clock, 3000, 3400)).toBe(3000 + 400 + 100);
  });

  it("once the floor has caught up with a slower path, the target is back to the latency option", () => {
    // The path gets 250 ms slower for good. While the old (fast) floor is remembered the slower frames
    // look like spread and the target grows to cover them: they stay on time. Once the floor is the
    // new transit, the spread above it is nil again; a target still 250 ms up would delay every
    // picture a further 250 ms (a freeze) until the old samples leave the 3 s window (then a jump).
    const clock = new PlayoutClock(50);
    stream(clock, 0, 3000, () => 50); // the last fast frame arrives at 2980 + 50 = 3030
    let last = stream(clock, 3000, 4700, () => 300); // the last of these arrives at 4980
    // Under the old floor the slower frames are covered by the target.
    expect(due(clock, 4680, last)).toBe(4680 + 50 + 250);
    // The floor rises once the last fast frame is 2 s old.
    last = stream(clock, 4700, 5000, () => 300);
    expect(last).toBeGreaterThan(3030 + 2000);
    const floorNow = due(clock, 4980, last) - 4980 - clock.targetMs(last);
    expect(floorNow).toBe(300);
    expect(clock.targetMs(last)).toBe(50);
    expect(due(clock, 4980, last)).toBe(4980 + 300 + 50);
  });
});
