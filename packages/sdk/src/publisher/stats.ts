// The pipeline's counters and its capture-to-encoded latency window, reported once a second.

/** Latency samples (ms) of the current window, with the percentiles of the last closed window. */
export class LatencyWindow {
  #samples: number[] = [];
  #last = { p50: Number.NaN, p95: Number.NaN };

  add(ms: number): void {
    if (Number.isFinite(ms)) this.#samples.push(ms);
  }

  /** Closes the window: its p50/p95 become the reported ones (kept when the window was empty). */
  roll(): { p50: number; p95: number } {
    if (this.#samples.length > 0) {
      this.#last = { p50: percentile(this.#samples, 0.5), p95: percentile(this.#samples, 0.95) };
      this.#samples = [];
    }
    return this.#last;
  }
}

/** The `q` quantile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Counters across the run. */
export class MediaCounters {
  framesCaptured = 0;
  framesEncoded = 0;
  framesDropped = 0;
  segmentsSent = 0;
  segmentsExpired = 0;
  bytesSent = 0;
}

/**
 * What one track put on the wire, from the session's onObjectSent, and which of its segments made it.
 * A segment is judged once its time to live has passed (the session cuts a group still sending then,
 * and the worker's cache lets it go): `segmentsSent` if every one of its objects had been written to
 * a subscriber's stream by then, `segmentsExpired` if not (cut halfway, or never begun because the
 * network could not take it in time, or nobody subscribed yet). Objects written again by a new
 * session after a reconnect count once per segment (the highest object ID written is what counts).
 */
export class WireTally {
  readonly #counters: MediaCounters;
  readonly #now: () => number;
  /** Highest object ID written, by group, for groups not judged yet. */
  readonly #written = new Map<number, number>();
  /** Finished segments waiting for their deadline: group → objects it holds, when it is judged. */
  readonly #pending = new Map<number, { objects: number; deadline: number }>();
  /** When each open group began (its time to live runs from there). */
  readonly #began = new Map<number, number>();

  constructor(counters: MediaCounters, now: () => number = () => performance.now()) {
    this.#counters = counters;
    this.#now = now;
  }

  /** The session wrote object `object` of group `group` (`bytes` of payload). */
  sent(group: number, object: number, bytes: number): void {
    this.#counters.bytesSent += bytes;
    // A group judged already (written again by a new session after a reconnect): its verdict stands.
    if (!this.#began.has(group) && !this.#pending.has(group)) return;
    const highest = this.#written.get(group);
    if (highest === undefined || object > highest) this.#written.set(group, object);
  }

  /** The segmenter opened group `group`. */
  began(group: number): void {
    this.#began.set(group, this.#now());
  }

  /** The segmenter finished group `group` with `objects` objects; it is judged `ttlMs` after it began. */
  finished(group: number, objects: number, ttlMs: number): void {
    const began = this.#began.get(group) ?? this.#now();
    this.#began.delete(group);
    if (objects === 0) {
      this.#written.delete(group);
      return;
    }
    this.#pending.set(group, { objects, deadline: began + ttlMs });
  }

  /** Judges the segments whose time to live has passed. */
  settle(): void {
    const now = this.#now();
    const counters = this.#counters;
    for (const [group, { objects, deadline }] of this.#pending) {
      if (deadline > now) continue;
      const highest = this.#written.get(group);
      if (highest !== undefined && highest + 1 >= objects) counters.segmentsSent++;
      else counters.segmentsExpired++;
      this.#pending.delete(group);
      this.#written.delete(group);
    }
  }
}
