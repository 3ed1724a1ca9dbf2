// A bound on the bytes that several tracks hold in all (a relay's whole cache). Each track counts the
// bytes of the segments it holds; while the sum is over the bound, the oldest segment of any track is
// let go first (never a track's newest, which is still being written and is what a new reader wants).

/** What a budget needs of a track (TrackState implements it). */
export interface BudgetedTrack {
  /** The insertion order of the track's oldest segment that may be let go; undefined when none may. */
  oldestEvictable(): number | undefined;
  /** Lets that segment go (its bytes leave the budget through release()). */
  evictOldest(): void;
}

export class CacheBudget {
  readonly maxBytes: number;
  #used = 0;
  readonly #tracks = new Set<BudgetedTrack>();

  constructor(maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new TypeError(`a cache budget needs a positive integer of bytes, got ${String(maxBytes)}`);
    }
    this.maxBytes = maxBytes;
  }

  /** Bytes the tracks sharing this budget hold now. */
  get used(): number {
    return this.#used;
  }

  /** @internal */
  join(track: BudgetedTrack): void {
    this.#tracks.add(track);
  }

  /** @internal */
  leave(track: BudgetedTrack): void {
    this.#tracks.delete(track);
  }

  /** @internal */
  add(bytes: number): void {
    this.#used += bytes;
  }

  /** @internal */
  release(bytes: number): void {
    this.#used -= bytes;
  }

  /** @internal While over the bound, lets the oldest evictable segment of any track go. */
  enforce(): void {
    // Bounded: each round lets one segment go, and there are finitely many.
    while (this.#used > this.maxBytes) {
      let oldest: BudgetedTrack | undefined;
      let oldestOrder = Number.POSITIVE_INFINITY;
      for (const track of this.#tracks) {
        const order = track.oldestEvictable();
        if (order !== undefined && order < oldestOrder) {
          oldest = track;
          oldestOrder = order;
        }
      }
      if (oldest === undefined) return;
      oldest.evictOldest();
    }
  }
}
