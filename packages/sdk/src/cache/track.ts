import { type BudgetedTrack, CacheBudget } from "./budget.ts";
import { CacheError } from "./error.ts";
import { Heap } from "./heap.ts";
import { Notify } from "./notify.ts";
import { createSegment, type SegmentPublisher, SegmentSubscriber } from "./segment.ts";
import type { SegmentInfo } from "./segment-info.ts";

/** One position in the track. The slot outlives its segment, so readers' positions stay valid. */
interface Slot {
  readonly sequence: number;
  readonly priority: number;
  /** When the segment leaves the cache (performance.now() time); Infinity without a time to live. */
  readonly deadline: number;
  /** The track's own handle on the segment; undefined once expired or released. */
  segment: SegmentSubscriber | undefined;
  /** When it was inserted, across all tracks: the oldest is let go first when bytes are over a bound. */
  readonly order: number;
  /** The bytes of its chunks, counted while the track holds it. */
  bytes: number;
}

/** Insertions in all tracks so far: a slot's `order`. */
let insertions = 0;

/** Lowest priority value first; equal priority, newest (highest sequence) first. */
const moreImportant = (a: Slot, b: Slot): boolean =>
  a.priority < b.priority || (a.priority === b.priority && a.sequence > b.sequence);

const expiresSooner = (a: Slot, b: Slot): boolean => a.deadline < b.deadline;

/**
 * The longest delay a timer can hold (2^31-1 ms, 24.8 days): runtimes clamp a longer one to 1 ms
 * (with a TimeoutOverflowWarning). A later deadline is reached through several timers.
 */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A timer delay for `ms` from now: at least 0, at most MAX_TIMER_DELAY_MS. */
function timerDelay(ms: number): number {
  return Math.min(MAX_TIMER_DELAY_MS, Math.max(0, ms));
}

/** How many pruned slots may pile up at the front of the array before it is compacted. */
const COMPACT_AFTER = 64;

/** State shared by every handle of one track. */
class TrackState implements BudgetedTrack {
  readonly name: string;
  /** Slots in insertion order; the absolute position of slots[i] is offset + i. */
  slots: Slot[] = [];
  offset = 0;
  /** Index in `slots` of the first slot not pruned. */
  head = 0;
  /** Sequence numbers of every slot not yet pruned, expired ones included (duplicates are refused). */
  readonly bySequence = new Map<number, Slot>();
  /** The highest sequence ever inserted (expired or not); undefined before the first insert. */
  latestSequence: number | undefined;
  /** Whether the newest segment's expiry is deferred while it is the newest (TrackOptions.keepLatest). */
  readonly keepLatest: boolean;
  /** With keepLatest: the newest slot, kept out of `expiries` until a newer one is inserted. */
  kept: Slot | undefined;
  readonly expiries = new Heap<Slot>(expiresSooner);
  /** Set by TrackPublisher.startOver(): the next insert first lets go of everything held. */
  startingOver = false;
  timer: ReturnType<typeof setTimeout> | undefined;
  timerDeadline = Number.POSITIVE_INFINITY;
  /** `undefined` while open, `null` once closed cleanly, or the error it was closed with. */
  end: CacheError | null | undefined;
  publishers = 1;
  subscribers = 1;
  readonly changed = new Notify();
  /** The bytes of the segments held now, and the bound on them (TrackOptions.maxBytes). */
  bytes = 0;
  readonly maxBytes: number;
  readonly budget: CacheBudget | undefined;

  constructor(name: string, keepLatest: boolean, maxBytes: number, budget: CacheBudget | undefined) {
    this.name = name;
    this.keepLatest = keepLatest;
    this.maxBytes = maxBytes;
    this.budget = budget;
    budget?.join(this);
  }

  /** Absolute position of the first slot not pruned. */
  get start(): number {
    return this.offset + this.head;
  }

  /** Absolute position one past the newest slot. */
  get stop(): number {
    return this.offset + this.slots.length;
  }

  slotAt(position: number): Slot {
    return this.slots[position - this.offset] as Slot;
  }

  /** Takes ownership of `segment`. The caller has checked that the track is open. */
  insert(segment: SegmentSubscriber): void {
    const { sequence, priority, expiresMs } = segment;
    if (this.startingOver) {
      this.startingOver = false;
      this.forgetAll();
    }
    if (this.bySequence.has(sequence)) {
      throw new CacheError("duplicate", { message: `track ${this.name} already holds segment ${sequence}` });
    }
    const deadline = expiresMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + expiresMs;
    const slot: Slot = { sequence, priority, deadline, segment, order: insertions++, bytes: 0 };
    this.slots.push(slot);
    this.bySequence.set(sequence, slot);
    const newest = this.latestSequence === undefined || sequence > this.latestSequence;
    if (newest) this.latestSequence = sequence;
    if (this.keepLatest && newest) {
      const previous = this.kept;
      this.kept = slot;
      // The old newest now expires at its own deadline: at once if that has passed.
      if (previous?.segment !== undefined && previous.deadline !== Number.POSITIVE_INFINITY) {
        this.expiries.push(previous);
        this.expireDue();
        this.schedule();
      }
    } else if (expiresMs !== undefined) {
      this.expiries.push(slot);
      this.schedule();
    }
    segment.observeWrites((bytes) => this.grew(slot, bytes));
    this.changed.notify();
    if (segment.byteLength > 0) this.grew(slot, segment.byteLength);
  }

  /** A held segment got `bytes` more: over a bound, older segments go (see TrackOptions.maxBytes). */
  grew(slot: Slot, bytes: number): void {
    if (slot.segment === undefined) return;
    slot.bytes += bytes;
    this.bytes += bytes;
    this.budget?.add(bytes);
    // Bounded: each round lets one held segment go.
    for (
      let oldest = this.#oldestSlot();
      this.bytes > this.maxBytes && oldest !== undefined;
      oldest = this.#oldestSlot()
    )
      this.#evict(oldest);
    if (this.bytes > this.maxBytes && slot.segment !== undefined) {
      // The newest segment alone is over the bound (one endless group): it ends here.
      slot.segment.cut(
        CacheError.reset(
          0,
          `segment ${slot.sequence} of track ${this.name} outgrew the cache's ${this.maxBytes} bytes`,
        ),
      );
      this.release(slot);
      this.prune();
    }
    this.budget?.enforce();
  }

  /** The oldest held slot that is not the newest (the newest is still being written, and wanted). */
  #oldestSlot(): Slot | undefined {
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i] as Slot;
      if (slot.segment !== undefined) return slot.sequence === this.latestSequence ? undefined : slot;
    }
    return undefined;
  }

  oldestEvictable(): number | undefined {
    return this.#oldestSlot()?.order;
  }

  evictOldest(): void {
    const slot = this.#oldestSlot();
    if (slot !== undefined) this.#evict(slot);
  }

  #evict(slot: Slot): void {
    if (this.kept === slot) this.kept = undefined;
    this.release(slot);
    this.prune();
  }

  /** Lets go of a slot's segment, and of its bytes. */
  release(slot: Slot): void {
    const segment = slot.segment;
    if (segment === undefined) return;
    segment.observeWrites(undefined);
    segment.close();
    slot.segment = undefined;
    this.bytes -= slot.bytes;
    this.budget?.release(slot.bytes);
    slot.bytes = 0;
  }

  /**
   * Lets go of every held segment and forgets every sequence number seen, so a source numbering anew
   * is neither refused as a duplicate nor ranked below its previous run. Readers' positions stay
   * valid: the slots are pruned as expired ones are, and readers drop them from their heaps.
   */
  forgetAll(): void {
    for (let i = this.head; i < this.slots.length; i++) this.release(this.slots[i] as Slot);
    this.kept = undefined;
    this.latestSequence = undefined;
    this.prune();
  }

  /** Expires what is due now; cheap when nothing is. */
  expireDue(): void {
    const next = this.expiries.peek();
    if (next === undefined || next.deadline > performance.now()) return;
    const now = performance.now();
    for (let slot = this.expiries.peek(); slot !== undefined && slot.deadline <= now; slot = this.expiries.peek()) {
      this.expiries.pop();
      this.release(slot);
    }
    this.prune();
    this.schedule();
  }

  /** Drops expired slots from the front so memory does not grow with the track's age. */
  prune(): void {
    const slots = this.slots;
    while (this.head < slots.length && (slots[this.head] as Slot).segment === undefined) {
      this.bySequence.delete((slots[this.head] as Slot).sequence);
      this.head++;
    }
    if (this.head > COMPACT_AFTER && this.head * 2 >= slots.length) {
      this.slots = slots.slice(this.head);
      this.offset += this.head;
      this.head = 0;
    }
  }

  /** One timer, for the earliest deadline. */
  schedule(): void {
    const next = this.expiries.peek();
    const deadline = next?.deadline ?? Number.POSITIVE_INFINITY;
    if (deadline === this.timerDeadline) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDeadline = deadline;
    if (next === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDeadline = Number.POSITIVE_INFINITY;
        this.expireDue();
        // Timers may fire a little early by performance.now(), and a deadline past the longest
        // timer is reached in steps: re-arm for whatever is still due.
        this.schedule();
      },
      timerDelay(deadline - performance.now()),
    );
  }

  close(end: CacheError | null): void {
    if (this.end !== undefined) return;
    this.end = end;
    this.changed.notify();
    if (this.subscribers === 0) this.releaseAll();
  }

  /** Nobody can read any more: let go of every segment and the timer. */
  releaseAll(): void {
    for (let i = this.head; i < this.slots.length; i++) this.release(this.slots[i] as Slot);
    this.budget?.leave(this);
    this.slots = [];
    this.offset = 0;
    this.head = 0;
    this.bySequence.clear();
    this.expiries.clear();
    this.kept = undefined;
    this.schedule();
  }
}

/** Options of createTrack. */
export interface TrackOptions {
  /**
   * Keeps the newest segment (the highest sequence number) whatever its time to live: its expiry is
   * deferred while it is the newest. Once a newer segment is inserted, the old newest expires at its
   * own deadline (at once if that has passed); an older sequence number inserted later expires as usual.
   * For tracks written rarely, such as a catalog written once as group 0, that a reader joining
   * later must still find: a relay's upstream tracks use it. Default false.
   */
  keepLatest?: boolean;
  /**
   * The most bytes the track holds: past it the oldest segments go first, whatever their time to
   * live (never the newest, unless it alone is over: then it ends with an error, as an endless group
   * must). Default: no bound.
   */
  maxBytes?: number;
  /** A bound shared with other tracks (a relay's whole cache): past it the oldest segment of any of them goes. */
  budget?: CacheBudget;
}

/**
 * Creates a track: a named series of segments, read in priority order.
 * The track closes when every publisher or every subscriber handle is closed.
 */
export function createTrack(name: string, options: TrackOptions = {}): [TrackPublisher, TrackSubscriber] {
  if (typeof name !== "string") throw new TypeError(`track name must be a string, got ${typeof name}`);
  if (typeof options !== "object" || options === null) throw new TypeError("track options must be an object");
  const { keepLatest = false, maxBytes = Number.POSITIVE_INFINITY, budget } = options;
  if (typeof keepLatest !== "boolean") {
    throw new TypeError(`keepLatest must be a boolean, got ${typeof keepLatest}`);
  }
  if (maxBytes !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)) {
    throw new TypeError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
  if (budget !== undefined && !(budget instanceof CacheBudget)) throw new TypeError("budget must be a CacheBudget");
  const state = new TrackState(name, keepLatest, maxBytes, budget);
  return [new TrackPublisher(state), new TrackSubscriber(state, 0, new Heap(moreImportant))];
}

/** Inserts segments into a track. Clone it to insert from several places. */
export class TrackPublisher {
  readonly #state: TrackState;
  #closed = false;

  /** @internal use createTrack() */
  constructor(state: TrackState) {
    this.#state = state;
  }

  get name(): string {
    return this.#state.name;
  }
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Inserts a segment, taking ownership of the handle (the track closes it when the segment expires;
   * pass `segment.clone()` to keep reading it yourself). On error the handle stays the caller's.
   * Throws `duplicate` if the track holds that sequence number, `closed` if the track or handle is closed.
   */
  insertSegment(segment: SegmentSubscriber): void {
    this.#checkOpen();
    if (!(segment instanceof SegmentSubscriber)) throw new TypeError("insertSegment needs a SegmentSubscriber");
    if (segment.isClosed) throw CacheError.closed("cannot insert a closed segment subscriber");
    this.#state.insert(segment);
  }

  /** Creates a segment and inserts it. Throws TypeError naming the field when `info` is invalid. */
  createSegment(info: SegmentInfo): SegmentPublisher {
    const [publisher, subscriber] = createSegment(info);
    try {
      this.#checkOpen();
      this.#state.insert(subscriber);
    } catch (error) {
      subscriber.close();
      publisher.close();
      throw error;
    }
    return publisher;
  }

  /**
   * The source starts over (a new publication that may number its segments from 0 again): the next
   * segment inserted, by any handle, first lets go of every segment the track holds and forgets their
   * sequence numbers, so it is neither a duplicate nor older than the previous run. Until then the
   * previous run stays readable (a catalog is still there while the source is away). Segments already
   * given to readers carry on; the track's newest (keepLatest) and latestSequence follow the new run.
   */
  startOver(): void {
    this.#checkOpen();
    this.#state.startingOver = true;
  }

  /** Whether the track has ended (every subscriber gone, or closed by a publisher): inserts would throw. */
  get isEnded(): boolean {
    return this.#state.end !== undefined;
  }

  /** The highest sequence number inserted so far (even if expired since), or `undefined` before any. */
  get latestSequence(): number | undefined {
    return this.#state.latestSequence;
  }

  /**
   * Resolves once the track has ended, however it ended: a network publisher uses it to learn
   * that nobody reads any more (then it can unsubscribe upstream).
   */
  async ended(signal?: AbortSignal): Promise<void> {
    const state = this.#state;
    while (state.end === undefined && signal?.aborted !== true) {
      if (signal === undefined) {
        await state.changed.wait();
        continue;
      }
      // Stops waiting when `signal` aborts, so a waiter that lost interest does not wake at every
      // change. The abort listener lives for one change only: racing one long-lived "aborted" promise
      // at every change left a reaction on it per change (a leak the relay's soak found: one per group).
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal.addEventListener("abort", onAbort, { once: true });
        void state.changed.wait().then(() => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        });
      });
    }
  }

  clone(): TrackPublisher {
    if (this.#closed) throw CacheError.closed("track publisher is closed");
    this.#state.publishers++;
    return new TrackPublisher(this.#state);
  }

  /**
   * Closes this handle. Without an error the track closes once every publisher clone is closed;
   * with an error the track closes now with it. Either way subscribers drain what is cached first.
   */
  close(error?: CacheError): void {
    if (error !== undefined && !(error instanceof CacheError)) {
      throw new TypeError("close(error) needs a CacheError");
    }
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.publishers--;
    if (error !== undefined) state.close(error);
    else if (state.publishers === 0) state.close(null);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw CacheError.closed("track publisher is closed");
    const state = this.#state;
    if (state.end !== undefined || state.subscribers === 0) {
      throw CacheError.closed(`track ${state.name} is closed`);
    }
  }
}

/** Receives a track's segments, most important first. Every clone receives every new segment. */
export class TrackSubscriber {
  readonly #state: TrackState;
  /** Absolute position of the next slot this reader has not looked at. */
  #position: number;
  /** Segments seen but not yet returned, most important on top. */
  readonly #pending: Heap<Slot>;
  #closed = false;

  /** @internal use createTrack() */
  constructor(state: TrackState, position: number, pending: Heap<Slot>) {
    this.#state = state;
    this.#position = position;
    this.#pending = pending;
  }

  get name(): string {
    return this.#state.name;
  }
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * The most important segment this reader has not been given yet, waiting (without polling) when
   * there is none. Each call returns a new handle of its own; close it when done reading.
   * Once the track is closed: drains what is cached, then `undefined`, or rejects with the track's error.
   */
  async nextSegment(): Promise<SegmentSubscriber | undefined> {
    if (this.#closed) throw CacheError.closed("track subscriber is closed");
    const state = this.#state;
    for (;;) {
      const next = this.#take();
      if (next !== undefined) return next;

      if (state.end === null) return undefined;
      if (state.end !== undefined) throw state.end;
      await state.changed.wait();
      if (this.#closed) return undefined;
    }
  }

  /**
   * Like nextSegment, without waiting: the most important segment ready now, or `undefined` when
   * none is (whether or not the track has ended). For draining what the cache holds.
   */
  tryNextSegment(): SegmentSubscriber | undefined {
    if (this.#closed) throw CacheError.closed("track subscriber is closed");
    return this.#take();
  }

  /** A new handle on the cached segment with this sequence number, or `undefined` if it is not (or no longer) cached. */
  segment(sequence: number): SegmentSubscriber | undefined {
    if (this.#closed) throw CacheError.closed("track subscriber is closed");
    this.#state.expireDue();
    return this.#state.bySequence.get(sequence)?.segment?.clone();
  }

  /** The highest sequence number inserted so far (even if expired since), or `undefined` before any. */
  get latestSequence(): number | undefined {
    return this.#state.latestSequence;
  }

  /**
   * Sequence and priority of the segment the next tryNextSegment() would return, without taking it:
   * for choosing the most important segment across several tracks.
   */
  peekNext(): { sequence: number; priority: number } | undefined {
    if (this.#closed) throw CacheError.closed("track subscriber is closed");
    const slot = this.#top();
    return slot === undefined ? undefined : { sequence: slot.sequence, priority: slot.priority };
  }

  /**
   * The most important slot this reader has not been given, left on its heap: expires what is due,
   * takes in slots inserted since the last look, and drops expired ones from the top.
   */
  #top(): Slot | undefined {
    const state = this.#state;
    state.expireDue();
    const stop = state.stop;
    for (let position = Math.max(this.#position, state.start); position < stop; position++) {
      const slot = state.slotAt(position);
      if (slot.segment !== undefined) this.#pending.push(slot);
    }
    this.#position = stop;
    for (let slot = this.#pending.peek(); slot !== undefined; slot = this.#pending.peek()) {
      if (slot.segment !== undefined) return slot;
      this.#pending.pop();
    }
    return undefined;
  }

  /** Takes the most important segment ready now, as a new handle. */
  #take(): SegmentSubscriber | undefined {
    const slot = this.#top();
    if (slot === undefined) return undefined;
    this.#pending.pop();
    return slot.segment?.clone();
  }

  /** Resolves at the track's next change (a segment inserted, the track closed); for waiting on several tracks. */
  changed(): Promise<void> {
    return this.#state.changed.wait();
  }

  /** What the cache holds now: segments not expired, and the bytes of their chunks. */
  cached(): { segments: number; bytes: number } {
    const state = this.#state;
    state.expireDue();
    let segments = 0;
    let bytes = 0;
    for (let position = state.start; position < state.stop; position++) {
      const segment = state.slotAt(position).segment;
      if (segment === undefined) continue;
      segments++;
      bytes += segment.byteLength;
    }
    return { segments, bytes };
  }

  /** Whether the track has ended (cleanly or with an error): nothing new will arrive. */
  get isEnded(): boolean {
    return this.#state.end !== undefined;
  }

  /** A new reader that gets what this one has not read yet, and everything new. */
  clone(): TrackSubscriber {
    if (this.#closed) throw CacheError.closed("track subscriber is closed");
    this.#state.subscribers++;
    return new TrackSubscriber(this.#state, this.#position, this.#pending.copy());
  }

  /** Closes this reader. When the last one closes, the track closes and lets go of its segments. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.clear();
    const state = this.#state;
    state.subscribers--;
    state.changed.notify();
    if (state.subscribers > 0) return;
    if (state.end === undefined) state.close(null);
    else state.releaseAll();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
