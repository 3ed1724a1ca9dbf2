// Request IDs (draft-14 section 9.1): the client's are even from 0, the server's odd from 1, each
// new request takes the next. MAX_REQUEST_ID is a credit: the peer may use IDs below it.
import { ProtocolViolation, SessionErrorCode } from "../wire/index.ts";

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

  /** The next ID, once the peer allows it (REQUESTS_BLOCKED is sent once per credit limit). */
  async allocate(): Promise<number> {
    while (this.#next >= this.#max) {
      if (this.#blockedAt !== this.#max) {
        this.#blockedAt = this.#max;
        this.#onBlocked(this.#max);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    const id = this.#next;
    this.#next += 2;
    return id;
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
 * handed back as requests finish, keeping about `window` requests open at once.
 */
export class IncomingRequestIds {
  #expected: number;
  #max: number;
  #active = 0;
  readonly #window: number;
  readonly #sendMax: (max: number) => void;
  readonly #onDeviation: ((what: string) => void) | undefined;
  #first = true;

  constructor(first: 0 | 1, window: number, sendMax: (max: number) => void, onDeviation?: (what: string) => void) {
    this.#expected = first;
    this.#onDeviation = onDeviation;
    this.#window = window;
    this.#max = first + 2 * window;
    this.#sendMax = sendMax;
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

  #refill(): void {
    const wanted = this.#expected + 2 * Math.max(0, this.#window - this.#active);
    // Announce in steps of half a window, not per request.
    if (wanted - this.#max >= this.#window) {
      this.#max = wanted;
      this.#sendMax(wanted);
    }
  }
}
