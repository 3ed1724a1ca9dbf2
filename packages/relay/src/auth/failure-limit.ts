// Failed authorization attempts, per client address: after `maxFailures` within `windowMs`, the
// address is blocked until the oldest of them leaves the window. A blocked address is refused
// at once (429 for a session request, UNAUTHORIZED for a CLIENT_SETUP), without checking its token,
// so guessing a token runs at maxFailures per window, not thousands per second.
import { clientAddress } from "../webtransport/server.ts";

export interface FailureLimitOptions {
  /** Failed attempts an address may make within the window. Default 10. */
  maxFailures?: number;
  /** The window (ms). Default 60 000. */
  windowMs?: number;
  /** Addresses remembered at most (the least recently failing are forgotten first). Default 10 000. */
  maxAddresses?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

export const DEFAULT_FAILURE_LIMIT = { maxFailures: 10, windowMs: 60_000 } as const;

export class FailureLimit {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;
  /** Times of the recent failures (at most maxFailures) by address; least recently failing first. */
  readonly #failures = new Map<string, number[]>();

  constructor(options: FailureLimitOptions = {}) {
    this.maxFailures = options.maxFailures ?? DEFAULT_FAILURE_LIMIT.maxFailures;
    this.windowMs = options.windowMs ?? DEFAULT_FAILURE_LIMIT.windowMs;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether `address` has failed too often lately. */
  isBlocked(address: string): boolean {
    return this.#recent(clientAddress(address)).length >= this.maxFailures;
  }

  /** Records a failed attempt from `address`. */
  fail(address: string): void {
    const key = clientAddress(address);
    const times = this.#recent(key);
    times.push(this.#now());
    if (times.length > this.maxFailures) times.shift();
    // Most recently failing last: the first entry is the one to forget when full.
    this.#failures.delete(key);
    this.#failures.set(key, times);
    if (this.#failures.size > this.#maxAddresses) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }

  #recent(key: string): number[] {
    const times = this.#failures.get(key);
    if (times === undefined) return [];
    const since = this.#now() - this.windowMs;
    while (times.length > 0 && (times[0] as number) <= since) times.shift();
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }
}
