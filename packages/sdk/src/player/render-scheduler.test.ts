// RenderScheduler on Vitest's fake timers (performance.now() and setTimeout), with fake pictures: a
// timestamp and a close() spy. A picture stamped `ts` ms is due at page time `ts + offset` (the host's
// clock; tests move `offset` to make pictures late or early). Every test ends with finish(): every
// picture created was closed exactly once, after its paint if it was painted, and the counters add up.
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from "vitest";
import { RenderScheduler } from "./render-scheduler.ts";

interface FakeFrame {
  readonly timestamp: number;
  readonly close: Mock<() => void>;
}

interface Paint {
  /** The picture's timestamp (ms). */
  ts: number;
  /** Page time it was painted at. */
  at: number;
  /** The due time the scheduler passed. */
  due: number;
}

function harness() {
  const frames: FakeFrame[] = [];
  const painted: Paint[] = [];
  const state = {
    /** dueMs(ts) = ts + offset (ms). */
    offset: 0,
    /** What moreComing() answers: the decoder holds more frames (a catch-up burst). */
    more: false,
    /** Timers fire this much after they were asked to (a busy main thread). */
    timerLateBy: 0,
  };
  const scheduler = new RenderScheduler<FakeFrame>({
    now: () => performance.now(),
    setTimer: (callback, delayMs) => setTimeout(callback, delayMs + state.timerLateBy),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    dueMs: (timestampUs) => timestampUs / 1000 + state.offset,
    moreComing: () => state.more,
    paint: (frame, dueMs) => {
      // Painted once, while still open.
      expect(frame.close).not.toHaveBeenCalled();
      expect(painted.some((paint) => paint.ts * 1000 === frame.timestamp)).toBe(false);
      painted.push({ ts: frame.timestamp / 1000, at: performance.now(), due: dueMs });
    },
  });

  /** A new picture stamped `tsMs`, pushed to the scheduler. */
  const push = (tsMs: number): FakeFrame => {
    const frame: FakeFrame = { timestamp: tsMs * 1000, close: vi.fn() };
    frames.push(frame);
    scheduler.push(frame);
    return frame;
  };

  const paintedTs = () => painted.map((paint) => paint.ts);
  const closedUnpainted = () =>
    frames.filter((frame) => frame.close.mock.calls.length > 0 && !paintedTs().includes(frame.timestamp / 1000));

  /** Flushes, then checks that no picture leaked or was closed twice and that the counters add up. */
  const finish = () => {
    const held = scheduler.queued;
    scheduler.flush();
    expect(scheduler.queued).toBe(0);
    for (const frame of frames) expect(frame.close).toHaveBeenCalledTimes(1);
    expect(scheduler.rendered).toBe(painted.length);
    expect(scheduler.rendered + scheduler.dropped + scheduler.caughtUp + held).toBe(frames.length);
    expect(vi.getTimerCount()).toBe(0);
  };

  return { scheduler, state, frames, painted, push, paintedTs, closedUnpainted, finish };
}

/** Advances the fake clock by `ms`, firing the timers due meanwhile. */
const advance = (ms: number) => vi.advanceTimersByTime(ms);

/**
 * Playing at the live edge: the first picture (0) painted at once, the next (20) painted on time at
 * 20 by its timer. Catching up is over: what is passed over from now on is dropped. Now is 20.
 */
function playing(h: ReturnType<typeof harness>): void {
  h.push(0);
  h.push(20);
  advance(20);
  expect(h.paintedTs()).toEqual([0, 20]);
  expect(performance.now()).toBe(20);
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("RenderScheduler", () => {
  it("paints the first picture at once, whatever its due time", () => {
    const h = harness();
    advance(1000);
    const first = h.push(5000); // due 4 s from now
    expect(h.painted).toEqual([{ ts: 5000, at: 1000, due: 1000 }]);
    expect(first.close).toHaveBeenCalledTimes(1);
    expect(h.scheduler.lastPaintedTimestamp).toBe(5000 * 1000);
    expect(h.scheduler.rendered).toBe(1);
    h.finish();
  });

  it("paints a picture due later with a timer at its due time: not before, and less than 1 ms after", () => {
    const h = harness();
    h.push(0);
    const later = h.push(100);
    expect(h.scheduler.queued).toBe(1);
    advance(99);
    expect(h.paintedTs()).toEqual([0]);
    expect(later.close).not.toHaveBeenCalled();
    advance(1);
    expect(h.painted[1]).toEqual({ ts: 100, at: 100, due: 100 });
    expect(later.close).toHaveBeenCalledTimes(1);
    h.finish();
  });

  it("paints a stream of pictures each at its own due time, none dropped", () => {
    const h = harness();
    h.state.offset = 50; // 50 ms of buffer
    h.push(0);
    // 30 fps, each decoded 10 ms after its capture, 40 ms before it is due.
    for (let i = 1; i <= 30; i++) {
      const ts = Math.round((i * 1000) / 30);
      advance(ts + 10 - performance.now());
      h.push(ts);
    }
    advance(200);
    expect(h.paintedTs()).toHaveLength(31);
    for (const paint of h.painted.slice(1)) {
      expect(paint.at).toBeGreaterThanOrEqual(paint.due - 1);
      expect(paint.at).toBeLessThan(paint.due + 1);
    }
    expect(h.scheduler.dropped).toBe(0);
    expect(h.scheduler.caughtUp).toBe(0);
    h.finish();
  });

  it("a picture due within 1 ms is painted now rather than after a timer (the timer may be late)", () => {
    const h = harness();
    h.push(0);
    advance(10);
    h.push(10.6); // due in 0.6 ms
    expect(h.painted[1]).toEqual({ ts: 10.6, at: 10, due: 10.6 });
    // A fractional delay: the timer (delay truncated to 29 ms) fires 0.4 ms early, and paints.
    h.push(39.4);
    advance(29);
    expect(h.painted[2]).toEqual({ ts: 39.4, at: 39, due: 39.4 });
    // Due in 1.5 ms: that waits for its timer.
    h.push(40.5);
    expect(h.paintedTs()).toEqual([0, 10.6, 39.4]);
    advance(1);
    expect(h.painted[3]).toEqual({ ts: 40.5, at: 40, due: 40.5 });
    h.finish();
  });

  it("when two pictures are due, paints only the newest: the older is closed unpainted and counted dropped", () => {
    const h = harness();
    playing(h);
    h.state.timerLateBy = 25; // the timer for the picture due at 100 fires at 125
    const older = h.push(100);
    const newer = h.push(110);
    advance(104);
    expect(h.paintedTs()).toEqual([0, 20]);
    advance(1);
    expect(h.paintedTs()).toEqual([0, 20, 110]);
    expect(h.painted[2]?.at).toBe(125);
    expect(older.close).toHaveBeenCalledTimes(1);
    expect(newer.close).toHaveBeenCalledTimes(1);
    expect(h.scheduler.dropped).toBe(1);
    expect(h.scheduler.caughtUp).toBe(0);
    h.finish();
  });

  it("a late picture is never shown late: on a lower target every picture due is dropped but the newest", () => {
    const h = harness();
    playing(h);
    for (const ts of [100, 133, 166, 200, 233]) h.push(ts);
    advance(30);
    expect(h.paintedTs()).toEqual([0, 20]);
    // The latency went down by 150 ms (poke: the clock changed): 100, 133, 166 and 200 are due now.
    h.state.offset = -150;
    h.scheduler.poke();
    expect(h.paintedTs()).toEqual([0, 20, 200]);
    expect(h.scheduler.dropped).toBe(3);
    expect(h.scheduler.caughtUp).toBe(0);
    expect(h.closedUnpainted().map((frame) => frame.timestamp / 1000)).toEqual([100, 133, 166]);
    // 233 is due at 83 now.
    advance(32);
    expect(h.paintedTs()).toEqual([0, 20, 200]);
    advance(1);
    expect(h.paintedTs()).toEqual([0, 20, 200, 233]);
    h.finish();
  });

  it("a higher target (poke) moves the timer: the picture is painted at its new due time", () => {
    const h = harness();
    h.push(0);
    h.push(100);
    advance(50);
    h.state.offset = 100;
    h.scheduler.poke();
    advance(100); // the old due time (100) is passed
    expect(h.paintedTs()).toEqual([0]);
    advance(50);
    expect(h.painted[1]).toEqual({ ts: 100, at: 200, due: 200 });
    h.finish();
  });

  it("sorts pictures pushed out of order and paints each at its due time", () => {
    const h = harness();
    h.push(0);
    h.push(200);
    h.push(100);
    expect(h.scheduler.newestTimestamp).toBe(200_000);
    advance(100);
    expect(h.paintedTs()).toEqual([0, 100]);
    advance(100);
    expect(h.paintedTs()).toEqual([0, 100, 200]);
    h.finish();
  });

  it("during a burst (moreComing) holds overdue pictures and paints only the newest, counted as caught up", () => {
    const h = harness();
    // Startup: the decoder got a group's 10 cached frames at once; the key frame is painted at once.
    h.state.more = true;
    h.state.offset = 100;
    advance(1000);
    h.push(600); // due at 700: 300 ms overdue, painted as the first picture
    expect(h.paintedTs()).toEqual([600]);
    const burst = [633, 666, 700, 733, 766, 800, 833, 866];
    for (const ts of burst) {
      advance(2); // a frame out of the decoder every 2 ms
      h.push(ts);
    }
    // All overdue, more coming: nothing painted, nothing closed yet.
    expect(h.paintedTs()).toEqual([600]);
    expect(h.scheduler.queued).toBe(burst.length);
    expect(h.frames.filter((frame) => frame.close.mock.calls.length > 0)).toHaveLength(1);
    // The burst's last frame: the decoder is empty now (the player's moreComing() is false as it comes out).
    h.state.more = false;
    advance(2);
    h.push(900); // due at 1000: overdue too
    expect(h.paintedTs()).toEqual([600, 900]);
    expect(h.scheduler.caughtUp).toBe(burst.length);
    expect(h.scheduler.dropped).toBe(0);
    h.finish();
  });

  it("a burst's pictures still due later are painted on time once the burst is over", () => {
    const h = harness();
    h.state.more = true;
    h.state.offset = 100;
    advance(1000);
    h.push(600);
    for (const ts of [633, 666, 700, 733, 766, 800, 833, 866, 900, 933]) {
      advance(1);
      h.push(ts);
    }
    h.state.more = false;
    advance(1);
    h.push(966); // due at 1066; 900 (due 1000) is the newest due now
    expect(h.paintedTs()).toEqual([600, 900]);
    expect(h.scheduler.caughtUp).toBe(8);
    advance(1033 - performance.now());
    expect(h.paintedTs()).toEqual([600, 900, 933]);
    advance(33);
    expect(h.paintedTs()).toEqual([600, 900, 933, 966]);
    expect(h.scheduler.dropped).toBe(0);
    h.finish();
  });

  it("a burst holds painting at most 150 ms since the last paint (a stalled decoder): then the newest due is shown", () => {
    const h = harness();
    h.state.more = true;
    h.state.offset = 100;
    advance(1000);
    h.push(600); // painted at 1000
    for (const ts of [633, 666, 700]) {
      advance(1);
      h.push(ts);
    }
    // moreComing stays true but nothing comes out.
    advance(1149 - performance.now());
    expect(h.paintedTs()).toEqual([600]);
    advance(1);
    expect(h.paintedTs()).toEqual([600, 700]);
    expect(h.painted[1]?.at).toBe(1150);
    expect(h.scheduler.caughtUp).toBe(2);
    expect(h.scheduler.dropped).toBe(0);
    h.finish();
  });

  it("a long burst shows a picture every 150 ms at most, and what it passes over is caught up, not dropped", () => {
    const h = harness();
    h.state.more = true;
    h.state.offset = 100;
    advance(1000);
    h.push(0);
    // A slow decoder: one frame every 20 ms, all overdue.
    for (let i = 1; i <= 20; i++) {
      advance(20);
      h.push(i * 20);
    }
    const gaps = h.painted.slice(1).map((paint, i) => paint.at - (h.painted[i] as Paint).at);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(160);
    // Every picture painted was overdue and the decoder still had more: it was catching up all along.
    for (const paint of h.painted.slice(1)) expect(paint.due).toBeLessThan(paint.at - 1);
    expect(h.scheduler.dropped).toBe(0);
    expect(h.scheduler.caughtUp).toBe(21 - h.scheduler.rendered - h.scheduler.queued);
    h.finish();
  });

  it("a burst longer than the queue bound counts the pictures it lets go as caught up, not dropped", () => {
    const h = harness();
    h.state.more = true;
    h.state.offset = 100;
    advance(1000);
    h.push(0); // painted at once
    // A group's 30 cached frames out of the decoder within 30 ms: more than the 16 pictures held.
    for (let i = 1; i <= 30; i++) {
      advance(1);
      h.push(i * 20);
    }
    expect(h.scheduler.queued).toBeLessThanOrEqual(16);
    expect(h.scheduler.dropped).toBe(0);
    expect(h.scheduler.caughtUp).toBe(30 - h.scheduler.queued);
    h.finish();
  });

  it("holds at most 16 pictures: beyond, the oldest is closed and counted dropped", () => {
    const h = harness();
    playing(h);
    const pushed = Array.from({ length: 20 }, (_, i) => h.push(1000 + i * 10));
    expect(h.scheduler.queued).toBe(16);
    expect(h.scheduler.dropped).toBe(4);
    expect(h.scheduler.caughtUp).toBe(0);
    for (const frame of pushed.slice(0, 4)) expect(frame.close).toHaveBeenCalledTimes(1);
    for (const frame of pushed.slice(4)) expect(frame.close).not.toHaveBeenCalled();
    advance(1170);
    expect(h.paintedTs()).toEqual([0, 20, ...pushed.slice(4).map((frame) => frame.timestamp / 1000)]);
    h.finish();
  });

  it("closes a picture older than (or as old as) the one painted at once, counted dropped, never painted", () => {
    const h = harness();
    playing(h);
    const stale = h.push(10);
    const same = h.push(20);
    expect(stale.close).toHaveBeenCalledTimes(1);
    expect(same.close).toHaveBeenCalledTimes(1);
    expect(h.scheduler.dropped).toBe(2);
    expect(h.scheduler.caughtUp).toBe(0);
    expect(h.scheduler.queued).toBe(0);
    advance(1000);
    expect(h.paintedTs()).toEqual([0, 20]);
    h.finish();
  });

  it("while catching up (until a second picture is painted), what is passed over counts as caught up", () => {
    const h = harness();
    h.push(500); // the first picture, painted at once
    const stale = h.push(400);
    expect(stale.close).toHaveBeenCalledTimes(1);
    // Beyond the queue bound, before any picture was painted on time.
    for (let i = 1; i <= 17; i++) h.push(1000 + i * 10);
    expect(h.scheduler.queued).toBe(16);
    expect(h.scheduler.caughtUp).toBe(2);
    expect(h.scheduler.dropped).toBe(0);
    // The next picture painted (on time) ends the catching up.
    advance(1020);
    expect(h.paintedTs()).toEqual([500, 1020]);
    h.push(900);
    expect(h.scheduler.dropped).toBe(1);
    expect(h.scheduler.caughtUp).toBe(2);
    h.finish();
  });

  it("catchUp() (a skip to a newer group): what is passed over until the next paint is caught up, then dropped again", () => {
    const h = harness();
    playing(h);
    // The feed skipped to a newer group: its cached frames come out of the decoder in a burst, overdue.
    h.scheduler.catchUp();
    h.state.offset = -500;
    h.state.more = true;
    for (const ts of [100, 133, 166]) h.push(ts);
    expect(h.paintedTs()).toEqual([0, 20]);
    h.state.more = false;
    h.push(200);
    expect(h.paintedTs()).toEqual([0, 20, 200]);
    expect(h.scheduler.caughtUp).toBe(3);
    expect(h.scheduler.dropped).toBe(0);
    // Playing again: a late timer passes one over, and that is a drop.
    h.state.offset = 0;
    h.state.timerLateBy = 25;
    h.push(300);
    h.push(310);
    advance(305);
    expect(h.paintedTs()).toEqual([0, 20, 200, 310]);
    expect(h.scheduler.caughtUp).toBe(3);
    expect(h.scheduler.dropped).toBe(1);
    h.finish();
  });

  it("flush() closes what is held, uncounted, and cancels the timer; older pictures are still refused", () => {
    const h = harness();
    playing(h);
    const held = [h.push(100), h.push(200)];
    h.scheduler.flush();
    for (const frame of held) expect(frame.close).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(h.scheduler.dropped).toBe(0);
    expect(h.scheduler.caughtUp).toBe(0);
    advance(480);
    expect(h.paintedTs()).toEqual([0, 20]);
    // Same timeline: what is not newer than the painted picture is refused, what is newer is scheduled.
    const old = h.push(0);
    expect(old.close).toHaveBeenCalledTimes(1);
    expect(h.scheduler.dropped).toBe(1);
    h.push(600);
    expect(h.paintedTs()).toEqual([0, 20]);
    advance(100);
    expect(h.paintedTs()).toEqual([0, 20, 600]);
    // flush() counted the two it closed as neither dropped nor caught up.
    expect(h.scheduler.rendered + h.scheduler.dropped + h.scheduler.caughtUp).toBe(h.frames.length - held.length);
    h.scheduler.flush();
    for (const frame of h.frames) expect(frame.close).toHaveBeenCalledTimes(1);
  });

  it("flush(true) starts a new timeline: an older picture is painted again, at once, and it catches up anew", () => {
    const h = harness();
    h.push(5000);
    h.push(5020);
    advance(5020);
    h.push(5100);
    h.scheduler.flush(true);
    expect(h.scheduler.lastPaintedTimestamp).toBe(Number.NEGATIVE_INFINITY);
    expect(h.scheduler.newestTimestamp).toBe(Number.NEGATIVE_INFINITY);
    // The publisher restarted: timestamps from 0 again.
    advance(10);
    const restart = h.push(0);
    expect(restart.close).toHaveBeenCalledTimes(1);
    expect(h.paintedTs()).toEqual([5000, 5020, 0]);
    expect(h.painted[2]?.at).toBe(5030);
    // Catching up again: what the next paint passes over is caught up (a burst of overdue pictures).
    h.state.offset = -100;
    h.state.more = true;
    h.push(33);
    h.state.more = false;
    h.push(66);
    expect(h.paintedTs()).toEqual([5000, 5020, 0, 66]);
    expect(h.scheduler.caughtUp).toBe(1);
    expect(h.scheduler.dropped).toBe(0);
    // The picture at 5100 was closed by flush, uncounted.
    expect(h.scheduler.rendered + h.scheduler.dropped + h.scheduler.caughtUp).toBe(h.frames.length - 1);
    h.scheduler.flush();
    for (const frame of h.frames) expect(frame.close).toHaveBeenCalledTimes(1);
  });

  it("reports the newest picture held and the last one painted", () => {
    const h = harness();
    expect(h.scheduler.newestTimestamp).toBe(Number.NEGATIVE_INFINITY);
    expect(h.scheduler.lastPaintedTimestamp).toBe(Number.NEGATIVE_INFINITY);
    h.push(0);
    expect(h.scheduler.newestTimestamp).toBe(0);
    h.push(100);
    h.push(50);
    expect(h.scheduler.newestTimestamp).toBe(100_000);
    expect(h.scheduler.lastPaintedTimestamp).toBe(0);
    expect(h.scheduler.queued).toBe(2);
    advance(100);
    expect(h.scheduler.lastPaintedTimestamp).toBe(100_000);
    expect(h.scheduler.newestTimestamp).toBe(100_000);
    expect(h.scheduler.queued).toBe(0);
    h.finish();
  });

  it("closes the picture even when painting throws", () => {
    const frames: FakeFrame[] = [];
    const scheduler = new RenderScheduler<FakeFrame>({
      now: () => performance.now(),
      setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      dueMs: (timestampUs) => timestampUs / 1000,
      moreComing: () => false,
      paint: () => {
        throw new Error("canvas lost");
      },
    });
    const frame: FakeFrame = { timestamp: 0, close: vi.fn() };
    frames.push(frame);
    expect(() => scheduler.push(frame)).toThrow("canvas lost");
    expect(frame.close).toHaveBeenCalledTimes(1);
  });
});
