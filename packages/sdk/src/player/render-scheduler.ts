// When each decoded picture is painted. A picture is painted as soon as it is due (a timer set for
// its due time, or at once when it is decoded late), not at the next animation frame: @moq/watch
// paints from requestAnimationFrame, which adds up to a display refresh. When several pictures are
// due, only the newest is painted and the older ones are dropped (closed unpainted): a late picture
// is never shown late. While the decoder still works through a burst of cached frames (startup, a
// skip), overdue pictures are not painted at all: only the newest of the burst is, except the very
// first picture, painted at once so the user sees something. Pictures passed over while catching up
// to the live edge (from a new timeline's start, or a skip, until the first picture painted on time)
// count as caught up, not dropped: dropped counts only what the stream delivered too late.

/** What the scheduler needs of a decoded picture (VideoFrame has it). */
export interface SchedulableFrame {
  /** Media timestamp (µs). */
  readonly timestamp: number;
  close(): void;
}

export interface SchedulerHost<F extends SchedulableFrame> {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
  /** When the picture stamped `timestampUs` is due (page ms). */
  dueMs(timestampUs: number, nowMs: number): number;
  /** Whether the decoder holds more frames that will come out at once (a catch-up burst). */
  moreComing(): boolean;
  /** Draws the picture (the scheduler closes it afterwards). */
  paint(frame: F, dueMs: number): void;
}

/** A picture due within this much is painted now rather than after a timer that may fire late (ms). */
const EARLY_MS = 1;
/** A burst may hold back painting at most this long since the last paint (ms), then the newest due is shown. */
const MAX_HOLD_MS = 150;
/** Decoded pictures held at most; beyond it the oldest is dropped (VideoFrames pin decoder memory). */
const MAX_QUEUED = 16;

export class RenderScheduler<F extends SchedulableFrame> {
  readonly #host: SchedulerHost<F>;
  /** Decoded and not yet painted, oldest first. */
  readonly #queue: F[] = [];
  #timer: unknown;
  #timerDue = Number.NaN;
  #lastPaintAt = Number.NEGATIVE_INFINITY;
  #lastPaintedTs = Number.NEGATIVE_INFINITY;
  #painted = 0;
  #catchingUp = true;
  rendered = 0;
  dropped = 0;
  caughtUp = 0;

  constructor(host: SchedulerHost<F>) {
    this.#host = host;
  }

  /** Media timestamp (µs) of the newest picture held, painted or not; -Infinity before any. */
  get newestTimestamp(): number {
    const last = this.#queue[this.#queue.length - 1];
    return last === undefined ? this.#lastPaintedTs : Math.max(last.timestamp, this.#lastPaintedTs);
  }

  get lastPaintedTimestamp(): number {
    return this.#lastPaintedTs;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** A decoded picture; the scheduler owns it from now on. */
  push(frame: F): void {
    if (frame.timestamp <= this.#lastPaintedTs) {
      // Older than what is on screen (a straggler of an abandoned group): never shown.
      frame.close();
      this.#countPassedOver();
      return;
    }
    let at = this.#queue.length;
    while (at > 0 && (this.#queue[at - 1] as F).timestamp > frame.timestamp) at--;
    this.#queue.splice(at, 0, frame);
    while (this.#queue.length > MAX_QUEUED) {
      (this.#queue.shift() as F).close();
      this.#countPassedOver();
    }
    this.#tick();
  }

  /** Re-evaluates (the clock changed: a new latency target). */
  poke(): void {
    this.#tick();
  }

  /**
   * Closes every held picture. `newTimeline`: the next pictures may be older than what was shown
   * (the publisher restarted), so forget what was painted; the first picture is painted at once.
   */
  flush(newTimeline = false): void {
    for (const frame of this.#queue) frame.close();
    this.#queue.length = 0;
    this.#cancelTimer();
    if (newTimeline) {
      this.#lastPaintedTs = Number.NEGATIVE_INFINITY;
      this.#painted = 0;
      this.#catchingUp = true;
    }
  }

  /** The next pictures come from a group the player skipped to: passing over older ones is catching up. */
  catchUp(): void {
    this.#catchingUp = true;
  }

  #tick(): void {
    const host = this.#host;
    const now = host.now();
    if (this.#queue.length === 0) return;
    if (this.#painted === 0) {
      // The first picture: at once, whatever its due time.
      this.#paint(this.#queue.length - 1, now, now);
      return;
    }
    let newestDue = -1;
    let newestDueAt = Number.NaN;
    for (let i = 0; i < this.#queue.length; i++) {
      const due = host.dueMs((this.#queue[i] as F).timestamp, now);
      if (!(due <= now + EARLY_MS)) break;
      newestDue = i;
      newestDueAt = due;
    }
    if (newestDue >= 0) {
      const overdue = newestDueAt < now - EARLY_MS;
      if (overdue && host.moreComing() && now - this.#lastPaintAt < MAX_HOLD_MS) {
        // A burst: newer pictures come out in a moment; painting this one would be wasted. Look
        // again when the hold runs out, should the decoder stall.
        this.#cancelTimer();
        this.#timerDue = this.#lastPaintAt + MAX_HOLD_MS;
        this.#timer = host.setTimer(
          () => {
            this.#timer = undefined;
            this.#tick();
          },
          Math.max(0, this.#timerDue - now),
        );
        return;
      }
      this.#paint(newestDue, newestDueAt, now);
    }
    this.#arm(now);
  }

  #paint(index: number, dueAt: number, now: number): void {
    for (let i = 0; i < index; i++) {
      (this.#queue[i] as F).close();
      this.#countPassedOver();
    }
    const frame = this.#queue[index] as F;
    this.#queue.splice(0, index + 1);
    try {
      this.#host.paint(frame, dueAt);
    } finally {
      frame.close();
    }
    // The first picture is painted at once, whatever its due time; the next one painted is on time.
    if (this.#painted > 0 && (dueAt >= now - EARLY_MS || !this.#host.moreComing())) this.#catchingUp = false;
    this.#painted++;
    this.rendered++;
    this.#lastPaintAt = now;
    this.#lastPaintedTs = frame.timestamp;
    if (this.#queue.length > 0) this.#arm(now);
  }

  #countPassedOver(): void {
    if (this.#catchingUp) this.caughtUp++;
    else this.dropped++;
  }

  #arm(now: number): void {
    const next = this.#queue[0];
    if (next === undefined) {
      this.#cancelTimer();
      return;
    }
    const due = this.#host.dueMs(next.timestamp, now);
    if (!Number.isFinite(due)) return;
    if (this.#timer !== undefined && Math.abs(this.#timerDue - due) < 0.5) return;
    this.#cancelTimer();
    this.#timerDue = due;
    this.#timer = this.#host.setTimer(
      () => {
        this.#timer = undefined;
        this.#tick();
      },
      Math.max(0, due - now),
    );
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#host.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Number.NaN;
  }
}
