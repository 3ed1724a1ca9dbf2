// Which video segment (group of pictures) the decoder reads. The pull hands over the newest group
// first, then, with credit for two, the next one as soon as it starts. The player reads one group
// at a time from its key frame; when a newer group is there while the frames being read are
// already late against the latency target (or the group has stalled), the rest of the current
// group is abandoned and decoding starts at the newer key frame: a slow page skips forward by
// whole groups instead of falling behind live. Groups older than the one being read are never
// read (the pull may hand them over after a newer one: the worker's cache gives newest first).

import { decodeFrame } from "../container/index.ts";

/** What the feed needs of a pulled segment (PulledSegment has it). */
export interface FeedSegment {
  readonly sequence: number;
  /** When the chunk read last reached the worker (page ms); NaN or absent if unknown. */
  readonly lastArrivalMs?: number;
  readChunk(): Promise<Uint8Array | undefined>;
  cancel(): void;
}

export interface VideoFeedHost {
  now(): number;
  /** When the picture stamped `timestampUs` is due (page ms). */
  dueMs(timestampUs: number, nowMs: number): number;
  /** One frame to decode (`key`: the group's first), which reached the worker at `arrivalMs` (page ms). */
  decode(timestampUs: number, data: Uint8Array, key: boolean, arrivalMs: number): void;
  /** Bytes of a chunk read. */
  received(bytes: number): void;
  /** A group abandoned, or passed over, for a newer one. */
  skipped(): void;
  /** A group could not be read (a malformed frame, or it was cut short): the feed goes on with the next. */
  segmentError(error: unknown): void;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** With a newer group waiting, a current group that delivers nothing this long is abandoned (ms). */
export const STALL_MS = 100;

interface Reading {
  readonly segment: FeedSegment;
  /** Timestamp (µs) of the newest frame read from it; NaN before the first. */
  lastTimestampUs: number;
  lastProgressAt: number;
}

export class VideoFeed {
  readonly #host: VideoFeedHost;
  #current: Reading | undefined;
  #next: FeedSegment | undefined;
  /** The highest sequence started: anything at or below it is old. */
  #started = -1;
  #stallTimer: unknown;
  #stopped = false;

  constructor(host: VideoFeedHost) {
    this.#host = host;
  }

  /** The sequence being read, if any. */
  get currentSequence(): number | undefined {
    return this.#current?.segment.sequence;
  }

  offer(segment: FeedSegment): void {
    if (this.#stopped || segment.sequence <= this.#started || segment.sequence <= (this.#next?.sequence ?? -1)) {
      segment.cancel();
      return;
    }
    if (this.#current === undefined) {
      this.#start(segment);
      return;
    }
    if (this.#next !== undefined) {
      // Passed over before it began: a newer group is here.
      this.#next.cancel();
      this.#host.skipped();
    }
    this.#next = segment;
    // Between two frames only a stall says the current group is behind: the frame read last is due
    // (or painted) by now anyway, and the rest of the group may be nothing more than its end.
    if (this.#stalled(this.#current)) this.#abandon();
    else this.#watchStall();
  }

  /** Forgets the groups read so far (a new timeline: the publisher restarted) and cancels all. */
  reset(): void {
    this.#cancelAll();
    this.#started = -1;
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelAll();
  }

  #cancelAll(): void {
    this.#clearStall();
    this.#current?.segment.cancel();
    this.#current = undefined;
    this.#next?.cancel();
    this.#next = undefined;
  }

  /** Whether the frame just read was already overdue when it arrived: the group is being read late. */
  #late(reading: Reading): boolean {
    const now = this.#host.now();
    if (Number.isNaN(reading.lastTimestampUs)) return false;
    return this.#host.dueMs(reading.lastTimestampUs, now) < now;
  }

  /** Whether the group has delivered nothing for STALL_MS. */
  #stalled(reading: Reading): boolean {
    return this.#host.now() - reading.lastProgressAt >= STALL_MS;
  }

  #abandon(): void {
    const next = this.#next;
    if (next === undefined) return;
    this.#next = undefined;
    this.#current?.segment.cancel();
    this.#current = undefined;
    this.#host.skipped();
    this.#start(next);
  }

  #watchStall(): void {
    if (this.#stallTimer !== undefined) return;
    this.#stallTimer = this.#host.setTimer(() => {
      this.#stallTimer = undefined;
      const current = this.#current;
      if (current === undefined || this.#next === undefined) return;
      if (this.#stalled(current)) this.#abandon();
      else this.#watchStall();
    }, STALL_MS / 2);
  }

  #clearStall(): void {
    if (this.#stallTimer !== undefined) this.#host.clearTimer(this.#stallTimer);
    this.#stallTimer = undefined;
  }

  #start(segment: FeedSegment): void {
    this.#clearStall();
    this.#started = segment.sequence;
    const reading: Reading = { segment, lastTimestampUs: Number.NaN, lastProgressAt: this.#host.now() };
    this.#current = reading;
    void this.#read(reading);
  }

  async #read(reading: Reading): Promise<void> {
    const host = this.#host;
    let index = 0;
    try {
      for (;;) {
        const chunk = await reading.segment.readChunk();
        if (this.#current !== reading) return; // Abandoned meanwhile.
        if (chunk === undefined) break;
        host.received(chunk.byteLength);
        const frame = decodeFrame(chunk);
        // An empty object is the container's end-of-content marker, never a picture.
        if (frame.data.byteLength === 0) continue;
        reading.lastTimestampUs = frame.timestampUs;
        reading.lastProgressAt = host.now();
        if (this.#next !== undefined && this.#late(reading)) {
          // Already overdue on arrival, with a newer key frame waiting: decoding on is wasted.
          this.#abandon();
          return;
        }
        const arrival = reading.segment.lastArrivalMs;
        host.decode(
          frame.timestampUs,
          frame.data,
          index === 0,
          Number.isFinite(arrival) ? (arrival as number) : host.now(),
        );
        index++;
      }
    } catch (error) {
      if (this.#current !== reading) return;
      reading.segment.cancel();
      host.segmentError(error);
    }
    if (this.#current !== reading) return;
    this.#current = undefined;
    this.#clearStall();
    const next = this.#next;
    this.#next = undefined;
    if (next !== undefined) this.#start(next);
  }
}
