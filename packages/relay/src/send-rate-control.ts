// A test facility: caps the relay's send rate to each session (--send-rate-kbps), and changes the
// cap while the relay runs (POST /test/send-rate?kbps=N on the certificate endpoint; 0 lifts it).
// Every session gets a limiter of its own at the current rate, so each is capped on its own.
import { SendRateLimit } from "@moqkit/sdk/session";

/** The highest cap the flag and the endpoint take, in kbit/s (10 Gbit/s). */
export const MAX_SEND_RATE_KBPS = 10_000_000;

export class SendRateControl {
  readonly #limits = new Set<SendRateLimit>();
  #kbps: number;

  /** @param kbps the cap in kbit/s; 0 = none (until set) */
  constructor(kbps: number) {
    this.#kbps = checkKbps(kbps);
  }

  /** The current cap in kbit/s; 0 = none. */
  get kbps(): number {
    return this.#kbps;
  }

  /** A limiter for a new session, at the current rate; give it back with release() once the session ends. */
  open(): SendRateLimit {
    const limit = new SendRateLimit(bytesPerSecond(this.#kbps));
    this.#limits.add(limit);
    return limit;
  }

  release(limit: SendRateLimit): void {
    this.#limits.delete(limit);
    limit.setRate(undefined);
  }

  /** Changes the cap of every session, now and to come; 0 lifts it. */
  set(kbps: number): void {
    this.#kbps = checkKbps(kbps);
    for (const limit of this.#limits) limit.setRate(bytesPerSecond(this.#kbps));
  }
}

/** kbit/s (1 000 bits) as bytes per second; 0 = no cap. */
function bytesPerSecond(kbps: number): number | undefined {
  return kbps === 0 ? undefined : (kbps * 1000) / 8;
}

function checkKbps(kbps: number): number {
  if (!Number.isInteger(kbps) || kbps < 0 || kbps > MAX_SEND_RATE_KBPS) {
    throw new RangeError(`a send rate must be an integer in 0..${MAX_SEND_RATE_KBPS} kbit/s, got ${kbps}`);
  }
  return kbps;
}
