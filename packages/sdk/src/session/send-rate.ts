// A cap on what a session sends on its data streams, for tests and benchmarks of a bad network: a
// token bucket in bytes per second with a small burst. Writers take tokens before each write; when
// several wait, the one with the highest priority (the stream's sendOrder: newest, most important
// first) goes first, ties in arrival order. Off (no rate) it costs nothing: take() answers at once.
import { SessionArgumentError } from "./errors.ts";

/** The burst a limit allows by default: what may leave back to back after a pause. */
export const DEFAULT_SEND_BURST_BYTES = 16 * 1024;

export interface SendRateOptions {
  /** Bytes that may leave back to back after a pause. Default 16 KiB. */
  burstBytes?: number;
  /** The clock (ms). Default performance.now(). */
  now?: () => number;
}

interface Waiter {
  readonly bytes: number;
  readonly priority: number;
  readonly resolve: (granted: boolean) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class SendRateLimit {
  readonly #burst: number;
  readonly #now: () => number;
  #rate: number | undefined;
  #tokens: number;
  #refilledAt: number;
  /** Highest priority first, then in arrival order. */
  readonly #waiters: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param bytesPerSecond the cap; undefined = no cap (until setRate) */
  constructor(bytesPerSecond: number | undefined, options: SendRateOptions = {}) {
    const burst = options.burstBytes ?? DEFAULT_SEND_BURST_BYTES;
    if (!Number.isFinite(burst) || burst <= 0)
      throw new SessionArgumentError(`burstBytes must be positive, got ${burst}`);
    this.#burst = burst;
    this.#now = options.now ?? (() => performance.now());
    this.#rate = checkRate(bytesPerSecond);
    this.#tokens = burst;
    this.#refilledAt = this.#now();
  }

  /** The cap in bytes per second; undefined = none. */
  get rate(): number | undefined {
    return this.#rate;
  }

  /** Writers waiting for tokens. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Changes the cap at once; undefined lifts it and lets every waiter go. */
  setRate(bytesPerSecond: number | undefined): void {
    const rate = checkRate(bytesPerSecond);
    this.#refill();
    this.#rate = rate;
    if (rate === undefined) this.#tokens = this.#burst;
    this.#pump();
  }

  /**
   * Takes `bytes` tokens for one write of that size. Returns undefined when the write may go now
   * (nothing to await), else a promise of true once it may, or false if `signal` aborted first (the
   * write should not happen). A write larger than the burst goes once the bucket holds a burst's
   * worth, and leaves the bucket in debt: the average rate is what counts.
   */
  take(bytes: number, priority: number, signal?: AbortSignal): Promise<boolean> | undefined {
    if (this.#rate === undefined && this.#waiters.length === 0) return undefined;
    if (signal?.aborted) return Promise.resolve(false);
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= this.#needed(bytes)) {
      this.#tokens -= bytes;
      return undefined;
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes,
        priority,
        signal,
        resolve,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index < 0) return;
          this.#waiters.splice(index, 1);
          resolve(false);
          this.#pump();
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      let index = this.#waiters.length;
      while (index > 0 && (this.#waiters[index - 1] as Waiter).priority < priority) index--;
      this.#waiters.splice(index, 0, waiter);
      this.#pump();
    });
  }

  #needed(bytes: number): number {
    return Math.min(bytes, this.#burst);
  }

  #refill(): void {
    const now = this.#now();
    if (this.#rate !== undefined) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000);
    }
    this.#refilledAt = now;
  }

  /** Lets waiters go, best first, while the bucket allows; then sets one timer for the next. */
  #pump(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#refill();
    for (let head = this.#waiters[0]; head !== undefined; head = this.#waiters[0]) {
      if (this.#rate !== undefined && this.#tokens < this.#needed(head.bytes)) break;
      this.#waiters.shift();
      if (this.#rate !== undefined) this.#tokens -= head.bytes;
      head.signal?.removeEventListener("abort", head.onAbort);
      head.resolve(true);
    }
    const head = this.#waiters[0];
    if (head === undefined || this.#rate === undefined) return;
    const waitMs = Math.ceil(((this.#needed(head.bytes) - this.#tokens) * 1000) / this.#rate);
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, waitMs));
  }
}

function checkRate(bytesPerSecond: number | undefined): number | undefined {
  if (bytesPerSecond === undefined) return undefined;
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) {
    throw new SessionArgumentError(`a send rate must be a positive number of bytes per second, got ${bytesPerSecond}`);
  }
  return bytesPerSecond;
}
