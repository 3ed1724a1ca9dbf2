// Request IDs (draft-14 section 9.1): the client's are even from 0, the server's odd from 1, each
// new request takes the next. MAX_REQUEST_ID is a credit: the peer may use IDs below it. It is also
// how a receiver paces the peer's requests (a relay facing a SUBSCRIBE flood): credit given back no
// faster than a rate. Our own requests wait for the peer's credit, within a deadline.
import { ProtocolViolation, SessionErrorCode } from "../wire/index.ts";
import { RequestError } from "./errors.ts";

/** The draft's TIMEOUT request error code (0x2 in SUBSCRIBE_ERROR, PUBLISH_NAMESPACE_ERROR and the others). */
const TIMEOUT = 0x2;

/** Our own request IDs, waiting for credit from the peer when it runs out. */
export class OutgoingRequestIds {
  #next: number;
  #max = 0;
  #blockedAt = -1;
  #waiters: (() => void)[] = [];
  readonly #onBlocked: (max: number) => void;

  constructor(first: 0 | 1, onBlocked: (max: number) => void) {
    this.#next = first;
    this.#onBlocked = onBlocked;
  }

  /**
   * The next ID, once the peer allows it (REQUESTS_BLOCKED is sent once per credit limit). A peer
   * that gives no credit within `timeoutMs` fails this request with RequestError TIMEOUT (0x2).
   */
  async allocate(timeoutMs = Number.POSITIVE_INFINITY): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.#next >= this.#max) {
      if (this.#blockedAt !== this.#max) {
        this.#blockedAt = this.#max;
        this.#onBlocked(this.#max);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new RequestError(TIMEOUT, `the peer gave no request ID within ${timeoutMs} ms`);
      await this.#creditOrTimeout(left);
    }
    const id = this.#next;
    this.#next += 2;
    return id;
  }

  /** Resolves at the peer's next credit, or after `ms`. */
  #creditOrTimeout(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (ms === Number.POSITIVE_INFINITY) {
        this.#waiters.push(resolve);
        return;
      }
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
        resolve();
      }, ms);
      this.#waiters.push(wake);
    });
  }

  /** The peer's credit, from SETUP (may be 0) or MAX_REQUEST_ID (must grow). */
  grant(max: number, fromSetup = false): void {
    if (!fromSetup && max <= this.#max) {
      throw new ProtocolViolation(
        SessionErrorCode.PROTOCOL_VIOLATION,
        `MAX_REQUEST_ID must increase: ${max} after ${this.#max}`,
      );
    }
    this.#max = max;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Whether `id` has been handed out (a reply may name a request we have since ended). */
  used(id: number): boolean {
    return Number.isSafeInteger(id) && id >= 0 && id < this.#next && (id & 1) === (this.#next & 1);
  }

  /** Wakes every waiter so it can see the session has ended. */
  abort(): void {
    this.grant(Number.MAX_SAFE_INTEGER, true);
  }
}

/**
 * The peer's request IDs: each must be exactly the next one, and below the credit we gave. Credit is
 * handed back as requests finish, keeping about `window` requests open at once; with `perSecond`,
 * no faster than that many requests a second past the first window (a token bucket holding at most
 * a window), so a peer that opens and ends requests in a loop is slowed, not served at any speed.
 */
export class IncomingRequestIds {
  #expected: number;
  #max: number;
  #active = 0;
  readonly #window: number;
  readonly #sendMax: (max: number) => void;
  readonly #onDeviation: ((what: string) => void) | undefined;
  #first = true;
  readonly #perSecond: number | undefined;
  /** Requests the rate allows us to credit now (fractional), and when it was last counted. */
  #tokens = 0;
  #countedAt = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    first: 0 | 1,
    window: number,
    sendMax: (max: number) => void,
    onDeviation?: (what: string) => void,
    perSecond?: number,
  ) {
    this.#expected = first;
    this.#onDeviation = onDeviation;
    this.#window = window;
    this.#max = first + 2 * window;
    this.#sendMax = sendMax;
    this.#perSecond = perSecond;
  }

  /** The credit to announce in our SETUP. */
  get initialMax(): number {
    return this.#max;
  }

  /** Checks a new request's ID; the request counts as open until `finish()`. */
  accept(id: number): void {
    if (this.#first && id === this.#expected - 1 && this.#expected === 1) {
      // Interop: @moq/lite 0.2.2 as a server numbers its requests 0, 2, 4... (draft-14 9.1 says odd).
      // Adopt the peer's parity once, at its first request, and say so; every later ID is checked.
      this.#expected = 0;
      this.#max -= 1;
      this.#onDeviation?.("the server's request IDs are even (draft-14 says odd); accepted for interoperability");
    }
    this.#first = false;
    if (id !== this.#expected) {
      throw new ProtocolViolation(
        SessionErrorCode.INVALID_REQUEST_ID,
        `request ID ${id} is not the next one (${this.#expected})`,
      );
    }
    if (id >= this.#max) {
      throw new ProtocolViolation(SessionErrorCode.TOO_MANY_REQUESTS, `request ID ${id} is not below ${this.#max}`);
    }
    this.#expected += 2;
    this.#active++;
    this.#refill();
  }

  /** Whether `id` is one the peer has used (for messages that refer to an earlier request). */
  used(id: number): boolean {
    return id < this.#expected && (id & 1) === (this.#expected & 1);
  }

  finish(): void {
    if (this.#active > 0) this.#active--;
    this.#refill();
  }

  /** The session ended: no more credit, and no timer left behind. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #refill(): void {
    if (this.#stopped) return;
    const wanted = this.#expected + 2 * Math.max(0, this.#window - this.#active);
    // Announce in steps of half a window (`window` IDs, two per request), not per request.
    if (wanted - this.#max < this.#window) return;
    const perSecond = this.#perSecond;
    if (perSecond === undefined) {
      this.#max = wanted;
      this.#sendMax(wanted);
      return;
    }
    const now = performance.now();
    this.#tokens = Math.min(this.#window, this.#tokens + ((now - this.#countedAt) / 1000) * perSecond);
    this.#countedAt = now;
    const allowed = this.#max + 2 * Math.floor(this.#tokens);
    if (allowed - this.#max >= this.#window) {
      const max = Math.min(wanted, allowed);
      this.#tokens -= (max - this.#max) / 2;
      this.#max = max;
      this.#sendMax(max);
      return;
    }
    // Not yet: look again once the rate allows half a window more.
    if (this.#timer === undefined) {
      const waitMs = ((this.#window / 2 - this.#tokens) / perSecond) * 1000;
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#refill();
        },
        Math.max(1, Math.ceil(waitMs)),
      );
    }
  }
}
