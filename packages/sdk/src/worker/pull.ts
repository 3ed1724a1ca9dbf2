// The streamed pull: the page asks for the segments of a set of tracks; the worker hands over the
// most important segment it holds across the set (lowest priority value; within a track the cache's
// order, newest first), then streams that segment's chunks as they arrive, never waiting for the
// whole segment. Credit bounds how many segments of one track may be open at once; a segment's credit
// returns when the page releases it. What the page never takes stays in the cache and expires there.
import type { SegmentSubscriber, TrackSubscriber } from "../cache/index.ts";
import { Notify } from "../cache/notify.ts";
import { toErrorInfo } from "./errors.ts";
import type { ErrorInfo } from "./protocol.ts";

/** One track of a pull: its reader (this pull's own) and whether the pull may transfer its chunks. */
export interface PullSource {
  readonly trackId: number;
  readonly reader: TrackSubscriber;
  /** True while this pull is the only reader of the track's chunks (see the ownership rule in README). */
  exclusive(): boolean;
}

/** Where a pull's output goes (the worker posts it to the page). */
export interface PullSink {
  open(segmentKey: number, trackId: number, sequence: number, priority: number): void;
  chunk(segmentKey: number, bytes: Uint8Array, exclusive: boolean): void;
  end(segmentKey: number, error?: ErrorInfo): void;
}

interface OpenSegment {
  readonly source: PullSource;
  readonly segment: SegmentSubscriber;
  /** The page gave it up (or the pull closed): stop streaming, say nothing more. */
  released: boolean;
}

/** Segments open at once per track, unless the page says otherwise. */
export const DEFAULT_CREDIT = 2;

export class Pull {
  readonly pullId: number;
  readonly #sources: PullSource[];
  readonly #credit: number;
  readonly #sink: PullSink;
  readonly #nextKey: () => number;
  readonly #open = new Map<number, OpenSegment>();
  readonly #openPerTrack = new Map<number, number>();
  #closed = false;
  /** Wakes the pull's loop: a segment released, a track removed, the pull closed. */
  readonly #wake = new Notify();

  constructor(pullId: number, sources: PullSource[], credit: number, sink: PullSink, nextKey: () => number) {
    this.pullId = pullId;
    this.#sources = [...sources];
    this.#credit = credit;
    this.#sink = sink;
    this.#nextKey = nextKey;
    for (const source of sources) this.#openPerTrack.set(source.trackId, 0);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Runs until close(); the caller does not await it. */
  async run(): Promise<void> {
    while (!this.#closed) {
      const chosen = this.#mostImportant();
      if (chosen !== undefined) {
        const segment = chosen.reader.tryNextSegment();
        if (segment !== undefined) this.#stream(chosen, segment);
        continue;
      }
      await this.#changed();
    }
  }

  /** The page is done with a segment: its credit returns, and an unfinished one stops streaming. */
  release(segmentKey: number): void {
    const open = this.#open.get(segmentKey);
    if (open === undefined) return;
    this.#open.delete(segmentKey);
    this.#openPerTrack.set(open.source.trackId, (this.#openPerTrack.get(open.source.trackId) ?? 1) - 1);
    if (!open.released) {
      open.released = true;
      open.segment.close();
    }
    this.#wakeUp();
  }

  /** Stops the pull; the readers stay the caller's to close. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const open of this.#open.values()) {
      open.released = true;
      open.segment.close();
    }
    this.#open.clear();
    this.#wakeUp();
  }

  /** A track left (unsubscribed): nothing more from it. */
  removeTrack(trackId: number): void {
    const index = this.#sources.findIndex((source) => source.trackId === trackId);
    if (index >= 0) this.#sources.splice(index, 1);
    this.#wakeUp();
  }

  /** The source whose next segment matters most, among those with credit left; ties go to list order. */
  #mostImportant(): PullSource | undefined {
    let best: PullSource | undefined;
    let bestPriority = Number.POSITIVE_INFINITY;
    for (const source of [...this.#sources]) {
      if ((this.#openPerTrack.get(source.trackId) ?? 0) >= this.#credit) continue;
      let next: { priority: number } | undefined;
      try {
        next = source.reader.peekNext();
      } catch {
        // Its reader was closed (the track was closed by the page): it is out of this pull.
        this.removeTrack(source.trackId);
        continue;
      }
      if (next !== undefined && next.priority < bestPriority) {
        best = source;
        bestPriority = next.priority;
      }
    }
    return best;
  }

  /** Waits for a new segment in a track with credit left, a release, or close. */
  #changed(): Promise<void> {
    const waits: Promise<unknown>[] = [this.#wake.wait()];
    for (const source of this.#sources) {
      if ((this.#openPerTrack.get(source.trackId) ?? 0) < this.#credit && !source.reader.isClosed)
        waits.push(source.reader.changed());
    }
    return Promise.race(waits).then(() => undefined);
  }

  #wakeUp(): void {
    this.#wake.notify();
  }

  #stream(source: PullSource, segment: SegmentSubscriber): void {
    const segmentKey = this.#nextKey();
    const open: OpenSegment = { source, segment, released: false };
    this.#open.set(segmentKey, open);
    this.#openPerTrack.set(source.trackId, (this.#openPerTrack.get(source.trackId) ?? 0) + 1);
    this.#sink.open(segmentKey, source.trackId, segment.sequence, segment.priority);
    void (async () => {
      try {
        for (;;) {
          const chunk = await segment.readChunk();
          if (open.released) return;
          if (chunk === undefined) break;
          this.#sink.chunk(segmentKey, chunk, source.exclusive());
        }
        this.#sink.end(segmentKey);
      } catch (error) {
        if (!open.released) this.#sink.end(segmentKey, toErrorInfo(error, "segment-error"));
      } finally {
        segment.close();
      }
    })();
  }
}
