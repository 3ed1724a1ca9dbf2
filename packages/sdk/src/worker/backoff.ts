// Capped exponential backoff with jitter, for reconnecting: 100, 200, 400, 800, 1000, 1000, ... ms by
// default, each spread by ±20% so that many clients of one relay that restarted do not return in step.
// The cap is low on purpose: a live viewer would rather retry each second than wait out a long delay.
import type { ReconnectOptions } from "./protocol.ts";

export const RECONNECT_DEFAULTS: Required<ReconnectOptions> = { initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.2 };

export class Backoff {
  readonly #options: Required<ReconnectOptions>;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: ReconnectOptions = {}, random: () => number = Math.random) {
    this.#options = { ...RECONNECT_DEFAULTS, ...options };
    this.#random = random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt. */
  next(): number {
    const { initialDelayMs, maxDelayMs, jitter } = this.#options;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    const spread = base * jitter * (this.#random() * 2 - 1);
    return Math.max(0, Math.round(base + spread));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
