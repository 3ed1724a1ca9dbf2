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

/** Gaps longer than this are counted without remembering each group (they are long gone). */
const REMEMBERED_GAP = 64;

/**
 * What one track put on the wire, from the session's onObjectSent: bytes, segments begun (their
 * object 0 written), and segments that never went out because a newer one was sent first (they
 * expired in the worker, or the relay was not subscribed yet). A skipped segment sent later after
 * all (newest-first order under congestion) is taken back off the expired count. A segment sent
 * again by a new session after a reconnect counts again.
 */
export class WireTally {
  readonly #counters: MediaCounters;
  #newest = -1;
  readonly #skipped = new Set<number>();

  constructor(counters: MediaCounters) {
    this.#counters = counters;
  }

  sent(group: number, object: number, bytes: number): void {
    const counters = this.#counters;
    counters.bytesSent += bytes;
    if (object !== 0) return;
    counters.segmentsSent++;
    if (group > this.#newest) {
      const gap = group - this.#newest - 1;
      counters.segmentsExpired += gap;
      if (gap <= REMEMBERED_GAP)
        for (let skipped = this.#newest + 1; skipped < group; skipped++) this.#skipped.add(skipped);
      this.#newest = group;
      // Only recent skips can still go out.
      for (const skipped of this.#skipped) if (skipped < group - REMEMBERED_GAP) this.#skipped.delete(skipped);
    } else if (this.#skipped.delete(group)) {
      counters.segmentsExpired--;
    }
  }
}
