// Maps media timestamps (µs, the publisher's clock) to this page's time (ms, performance.now()).
// A frame is due `target` ms after the fastest its kind ever made the trip: the transit of each
// frame (its arrival here minus its timestamp, an unknown clock offset included) is sampled, the
// smallest over a short window is the path's floor, and the jitter buffer's target is the larger of
// the latency option and the recent spread above that floor. A windowed minimum follows a path
// that got faster at once and one that got slower within the window, and a late frame never pulls
// the floor up. The buffer covers jitter, not congestion: its adaptive part stops at 250 ms (a path
// slower than that loses pictures and skips to newer groups rather than playing ever later), and it
// comes down as soon as a whole second of frames arrives well within it (the burst of a flushed
// backlog is over) instead of holding the spread's whole window (measured with bench:e2e's cap at
// half the bitrate: back under target 0.8–1.0 s after the cap instead of 2.5 s).

import { WindowedSamples } from "./stats.ts";

/** How long the floor remembers its fastest transit (ms). */
const FLOOR_WINDOW_MS = 2000;
/** How long the spread is measured over (ms): a burst of lateness raises the buffer for this long. */
const SPREAD_WINDOW_MS = 3000;
/**
 * The spread quantile the buffer covers: one frame in twenty may come late and be dropped. A higher
 * quantile let one stall of the page (a garbage collection, a busy machine) hold the latency up by
 * that stall for the whole window.
 */
const SPREAD_QUANTILE = 0.95;
/** The recent arrivals that can bring the buffer down before the spread's window has passed (ms). */
const RECENT_WINDOW_MS = 1000;
/** Samples a window needs before its spread counts. */
const MIN_SAMPLES = 10;
/** A transit this far from the floor is a new timeline (the publisher restarted): start over (ms). */
const DISCONTINUITY_MS = 5000;
/**
 * The adaptive part never grows past this (ms): beyond it the player drops and skips instead. At 1 s
 * it followed a send rate capped at half the bitrate up to ~300 ms of buffer on top of a floor that had
 * risen by ~250 ms, so every picture showed at the worst frame's lateness.
 */
const MAX_ADAPTIVE_MS = 250;

export class PlayoutClock {
  readonly #floor = new WindowedSamples(FLOOR_WINDOW_MS);
  readonly #spread = new WindowedSamples(SPREAD_WINDOW_MS);
  readonly #recent = new WindowedSamples(RECENT_WINDOW_MS);
  #latencyMs: number;
  #floorMs = Number.NaN;

  /** `latencyMs`: the jitter buffer's floor (the latency option). */
  constructor(latencyMs: number) {
    this.#latencyMs = latencyMs;
  }

  set latencyMs(value: number) {
    this.#latencyMs = value;
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  /**
   * Records that the frame stamped `timestampUs` became available at `nowMs`. A frame decoded while
   * catching up (a burst of cached frames) says nothing of the network's spread: `catchingUp` keeps
   * it out of the spread, though it may still lower the floor.
   */
  observe(timestampUs: number, nowMs: number, catchingUp = false): void {
    const transit = nowMs - timestampUs / 1000;
    if (Number.isFinite(this.#floorMs) && Math.abs(transit - this.#floorMs) > DISCONTINUITY_MS) this.reset();
    this.#floor.add(nowMs, transit);
    this.#floorMs = this.#floor.min(nowMs);
    // Raw transits: the spread is taken against the floor of the moment it is asked for, so once the
    // floor has caught up with a slower path, the samples taken under the old floor stop counting.
    if (!catchingUp) {
      this.#spread.add(nowMs, transit);
      this.#recent.add(nowMs, transit);
    }
  }

  /** Whether any frame has been observed since the start (or the last reset). */
  get ready(): boolean {
    return Number.isFinite(this.#floorMs);
  }

  /** The jitter buffer's target now (ms): the latency option, or the measured spread if larger. */
  targetMs(nowMs: number): number {
    // The spread over the window, unless the last RECENT_WINDOW_MS all came in well under it: then
    // the lateness that raised it has passed (a backlog flushed after congestion, not jitter that
    // recurs), and the buffer comes down at once instead of a whole window later.
    const recent = this.#recent.count(nowMs) < MIN_SAMPLES ? Number.POSITIVE_INFINITY : this.#recent.quantile(1, nowMs);
    const high = Math.min(this.#spread.quantile(SPREAD_QUANTILE, nowMs), recent);
    const spread =
      this.#spread.count(nowMs) < MIN_SAMPLES || !Number.isFinite(high) ? 0 : Math.max(0, high - this.#floorMs);
    return Math.max(this.#latencyMs, Math.min(MAX_ADAPTIVE_MS, spread));
  }

  /** When the frame stamped `timestampUs` is due (page ms); NaN before the first observation. */
  dueMs(timestampUs: number, nowMs: number): number {
    return timestampUs / 1000 + this.#floorMs + this.targetMs(nowMs);
  }

  /** Forgets everything measured (a new timeline: the publisher restarted, or playback resumed). */
  reset(): void {
    this.#floor.clear();
    this.#spread.clear();
    this.#recent.clear();
    this.#floorMs = Number.NaN;
  }
}
