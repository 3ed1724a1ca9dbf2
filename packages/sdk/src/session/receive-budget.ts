// Bounds the bytes of objects still arriving (received on data streams, not yet whole): an object is
// handed on only once its last byte is in, so a peer that declares large objects and never finishes
// them would otherwise make us hold every byte it sends. Each session has a budget; a relay also
// shares one pool among all its sessions. Past its own budget a session is closed; past the pool's,
// the session holding the most is (the one filling it, most likely), so one peer cannot crowd out the rest.
import { ProtocolViolation, type ReadBudget, SessionErrorCode } from "../wire/index.ts";
import { SessionArgumentError } from "./errors.ts";

/**
 * Incomplete objects held over a limit: the session closes with INTERNAL_ERROR (0x1), the draft's
 * code for an implementation's own failure (it has none for "too much buffered").
 */
export class ReceiveLimitExceeded extends ProtocolViolation {
  override readonly name = "ReceiveLimitExceeded";

  constructor(message: string) {
    super(SessionErrorCode.INTERNAL_ERROR, message);
  }
}

/** The bytes of incomplete objects every session sharing it may hold in all (a relay's total). */
export class ReceivePool {
  readonly limit: number;
  #used = 0;
  readonly #members = new Set<SessionReceiveBudget>();

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit <= 0)
      throw new SessionArgumentError(`a receive pool needs a positive limit, got ${limit}`);
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** @internal SessionReceiveBudget's bookkeeping */
  join(member: SessionReceiveBudget): void {
    this.#members.add(member);
  }

  /** @internal */
  leave(member: SessionReceiveBudget): void {
    if (this.#members.delete(member)) this.#used -= member.used;
  }

  /** @internal `member` holds `bytes` more. */
  add(bytes: number): void {
    this.#used += bytes;
  }

  /** @internal Over the limit, the largest holder is evicted, or refused if it is `member` (who just added). */
  enforce(member: SessionReceiveBudget): void {
    if (this.#used <= this.limit) return;
    let largest = member;
    for (const other of this.#members) if (other.used > largest.used) largest = other;
    const reason = `the relay holds ${this.#used} bytes of incomplete objects, over its limit of ${this.limit}; this session held the most (${largest.used})`;
    if (largest === member) throw new ReceiveLimitExceeded(reason);
    largest.evict(reason);
  }

  /** @internal */
  release(bytes: number): void {
    this.#used -= bytes;
  }
}

/** One session's budget for incomplete objects, drawn from its pool when it has one. */
export class SessionReceiveBudget implements ReadBudget {
  readonly limit: number;
  #used = 0;
  readonly #pool: ReceivePool | undefined;
  #onEvicted: ((reason: string) => void) | undefined;
  #detached = false;

  /** `onEvicted` closes the session when the pool chooses it to make room. */
  constructor(limit: number, pool?: ReceivePool, onEvicted?: (reason: string) => void) {
    if (!Number.isSafeInteger(limit) || limit <= 0)
      throw new SessionArgumentError(`maxReceiveBufferBytes must be a positive integer, got ${limit}`);
    this.limit = limit;
    this.#pool = pool;
    this.#onEvicted = onEvicted;
    pool?.join(this);
  }

  get used(): number {
    return this.#used;
  }

  charge(bytes: number): void {
    this.#used += bytes;
    if (this.#detached) return;
    this.#pool?.add(bytes);
    if (this.#used > this.limit) {
      throw new ReceiveLimitExceeded(
        `held ${this.#used} bytes of incomplete objects, over the limit of ${this.limit} per session`,
      );
    }
    this.#pool?.enforce(this);
  }

  release(bytes: number): void {
    this.#used -= bytes;
    if (!this.#detached) this.#pool?.release(bytes);
  }

  /** The pool needs room: this session goes (its streams are torn down with it). */
  evict(reason: string): void {
    const onEvicted = this.#onEvicted;
    this.detach();
    onEvicted?.(reason);
  }

  /** The session ended: what it still holds no longer counts against the pool. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#onEvicted = undefined;
    this.#pool?.leave(this);
  }
}
