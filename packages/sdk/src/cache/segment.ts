import { CacheError } from "./error.ts";
import { Notify } from "./notify.ts";
import { type SegmentInfo, validateSegmentInfo } from "./segment-info.ts";

/** State shared by every handle of one segment. */
class SegmentState {
  readonly info: Readonly<SegmentInfo>;
  chunks: Uint8Array[] = [];
  /**
   * Each chunk's ID, once one was written with an ID other than its index (sparse numbering, as
   * MoQ object IDs may be); undefined while every chunk's ID is its index.
   */
  ids: number[] | undefined;
  /** Each chunk's opaque header bytes (MoQ extension headers), once any chunk had some. */
  headers: (Uint8Array | undefined)[] | undefined;
  /** `undefined` while open, `null` once finished cleanly, or the error it was closed with. */
  end: CacheError | null | undefined;
  publishers = 1;
  subscribers = 1;
  readonly changed = new Notify();
  /** Told the size of each chunk written: the track holding the segment counts its bytes. */
  onWrite: ((bytes: number) => void) | undefined;

  constructor(info: Readonly<SegmentInfo>) {
    this.info = info;
  }

  finish(end: CacheError | null): void {
    if (this.end !== undefined) return;
    this.end = end;
    this.changed.notify();
  }
}

/**
 * Creates a segment: a stream of byte chunks that arrive over time.
 * Throws TypeError naming the field when `info` is invalid.
 */
export function createSegment(info: SegmentInfo): [SegmentPublisher, SegmentSubscriber] {
  const state = new SegmentState(validateSegmentInfo(info));
  return [new SegmentPublisher(state), new SegmentSubscriber(state, 0)];
}

/** Writes chunks into a segment. Clone it to write from several places; the segment finishes when every clone is closed. */
export class SegmentPublisher {
  readonly #state: SegmentState;
  #closed = false;

  /** @internal use createSegment() */
  constructor(state: SegmentState) {
    this.#state = state;
  }

  get sequence(): number {
    return this.#state.info.sequence;
  }
  get priority(): number {
    return this.#state.info.priority;
  }
  get expiresMs(): number | undefined {
    return this.#state.info.expiresMs;
  }
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Appends a chunk. The bytes are shared with every reader, not copied: do not modify them afterwards.
   * `id` numbers it when numbering is sparse (default: one above the previous chunk's, from 0);
   * IDs must increase. `header` is opaque bytes that travel with the chunk (MoQ extension headers).
   * Throws `closed` when this handle or the segment is closed, or when no reader is left.
   */
  writeChunk(bytes: Uint8Array, id?: number, header?: Uint8Array): void {
    if (this.#closed) throw CacheError.closed("segment publisher is closed");
    if (!(bytes instanceof Uint8Array)) throw new TypeError("writeChunk needs a Uint8Array");
    const state = this.#state;
    if (state.end !== undefined) throw CacheError.closed("segment is finished");
    if (state.subscribers === 0) throw CacheError.closed("segment has no readers left");
    const index = state.chunks.length;
    if (id !== undefined || state.ids !== undefined) {
      const previous = index === 0 ? -1 : (state.ids?.[index - 1] ?? index - 1);
      const given = id ?? previous + 1;
      if (!Number.isSafeInteger(given) || given <= previous) {
        throw new TypeError(`chunk id must be an integer above ${previous}, got ${String(id)}`);
      }
      if (state.ids === undefined && given !== index) state.ids = Array.from({ length: index }, (_, i) => i);
      state.ids?.push(given);
    }
    if (header !== undefined && !(header instanceof Uint8Array))
      throw new TypeError("a chunk header must be a Uint8Array");
    if (header !== undefined && state.headers === undefined) state.headers = new Array(index).fill(undefined);
    state.headers?.push(header);
    state.chunks.push(bytes);
    state.changed.notify();
    state.onWrite?.(bytes.byteLength);
  }

  clone(): SegmentPublisher {
    if (this.#closed) throw CacheError.closed("segment publisher is closed");
    this.#state.publishers++;
    return new SegmentPublisher(this.#state);
  }

  /**
   * Closes this handle. Without an error the segment finishes once every publisher clone is closed;
   * with an error the segment ends now, and readers drain what was written before they see it.
   */
  close(error?: CacheError): void {
    if (error !== undefined && !(error instanceof CacheError)) {
      throw new TypeError("close(error) needs a CacheError");
    }
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.publishers--;
    if (error !== undefined) state.finish(error);
    else if (state.publishers === 0) state.finish(null);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Reads a segment's chunks in the order written. Every clone reads every chunk from its own position. */
export class SegmentSubscriber {
  readonly #state: SegmentState;
  #index: number;
  #closed = false;

  /** @internal use createSegment() */
  constructor(state: SegmentState, index: number) {
    this.#state = state;
    this.#index = index;
  }

  get sequence(): number {
    return this.#state.info.sequence;
  }
  get priority(): number {
    return this.#state.info.priority;
  }
  get expiresMs(): number | undefined {
    return this.#state.info.expiresMs;
  }
  get isClosed(): boolean {
    return this.#closed;
  }
  /** The ID of the chunk readChunk() returned last (its index unless written with sparse IDs). */
  get chunkId(): number {
    return this.#state.ids?.[this.#index - 1] ?? this.#index - 1;
  }

  /** The header bytes of the chunk readChunk() returned last, if it was written with any. */
  get chunkHeader(): Uint8Array | undefined {
    return this.#state.headers?.[this.#index - 1];
  }

  /** The header bytes of the chunk written `index`-th, if any. */
  chunkHeaderAt(index: number): Uint8Array | undefined {
    return this.#state.headers?.[index];
  }

  /** The ID of the chunk written `index`-th (from 0), or undefined if none is there yet. */
  chunkIdAt(index: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#state.chunks.length) return undefined;
    return this.#state.ids?.[index] ?? index;
  }

  /** The ID of the newest chunk written so far, or undefined before any. */
  get lastWrittenId(): number | undefined {
    return this.chunkIdAt(this.#state.chunks.length - 1);
  }

  /** The bytes of every chunk written so far. */
  get byteLength(): number {
    let total = 0;
    for (const chunk of this.#state.chunks) total += chunk.byteLength;
    return total;
  }

  /** How many chunks have been written so far (this reader's position aside). */
  get chunkCount(): number {
    return this.#state.chunks.length;
  }
  /** Whether the segment has ended (cleanly or with an error): no more chunks will be written. */
  get isFinished(): boolean {
    return this.#state.end !== undefined;
  }

  /**
   * The next chunk, waiting for it if needed; `undefined` once the segment finished and all was read
   * (or this handle was closed while waiting). Rejects with the segment's error after draining.
   */
  readChunk(): Promise<Uint8Array | undefined> {
    // Fast path: a chunk is already there (the common case for a reader that keeps up).
    const chunks = this.#state.chunks;
    if (!this.#closed && this.#index < chunks.length) return Promise.resolve(chunks[this.#index++]);
    return this.#waitForChunk();
  }

  async #waitForChunk(): Promise<Uint8Array | undefined> {
    if (this.#closed) throw CacheError.closed("segment subscriber is closed");
    const state = this.#state;
    for (;;) {
      if (this.#index < state.chunks.length) return state.chunks[this.#index++];
      if (state.end === null) return undefined;
      if (state.end !== undefined) throw state.end;
      await state.changed.wait();
      if (this.#closed) return undefined;
    }
  }

  /** @internal The track holding the segment counts its bytes (one track at a time; undefined stops). */
  observeWrites(observer: ((bytes: number) => void) | undefined): void {
    this.#state.onWrite = observer;
  }

  /**
   * @internal The cache ends a segment that outgrew its bound: writers get `closed`, readers drain
   * what was written, then see `error`.
   */
  cut(error: CacheError): void {
    this.#state.finish(error);
  }

  /** A new reader at this reader's position. */
  clone(): SegmentSubscriber {
    if (this.#closed) throw CacheError.closed("segment subscriber is closed");
    this.#state.subscribers++;
    return new SegmentSubscriber(this.#state, this.#index);
  }

  /** Closes this reader. When the last one closes, the bytes are released and publishers see `closed`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const state = this.#state;
    state.subscribers--;
    if (state.subscribers === 0) {
      state.chunks = [];
      state.ids = undefined;
      state.headers = undefined;
    }
    state.changed.notify();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
