// Encoded frames into cache segments (MoQT groups): a key frame starts a new segment with the next
// sequence number and closes the previous one; every frame is one chunk (object) written by the
// container's FrameWriter, so object IDs run 0, 1, 2, … with no gaps. Audio, whose every frame
// decodes alone, may put each frame in a segment of its own (`segmentPerFrame`).
import type { SegmentInfo, SegmentPublisher } from "../cache/index.ts";
import { encodedFrameLength, FrameWriter } from "../container/index.ts";

/** Where segments are made: a cache TrackPublisher. */
export interface SegmentSource {
  createSegment(info: SegmentInfo): SegmentPublisher;
}

export interface EncodedFrame {
  timestampUs: number;
  data: Uint8Array;
  keyFrame: boolean;
}

export interface SegmenterOptions {
  /** MoQT publisher priority of every segment (lower is more important). */
  priority: number;
  /** Time to live of every segment (ms), from its first frame. */
  ttlMs: number;
  /** Each frame in its own segment (audio: every Opus frame is a sync point). */
  segmentPerFrame?: boolean;
  /** The first segment's sequence number (default 0). */
  firstSequence?: number;
  /** A frame of `bytes` (as on the wire: timestamp varint + bitstream) went into segment `sequence`. */
  onFrame?: (sequence: number, bytes: number) => void;
  /** Segment `sequence` was opened (its time to live runs from now). */
  onSegmentStart?: (sequence: number) => void;
  /** Segment `sequence` was finished (cleanly, or cut short by `error`). */
  onSegmentEnd?: (sequence: number, frames: number, error?: unknown) => void;
}

/** What write() did with a frame. */
export type WriteResult = "written" | "needs-key-frame";

export class Segmenter {
  readonly #source: SegmentSource;
  readonly #options: SegmenterOptions;
  #writer: FrameWriter | undefined;
  #next: number;
  #closed = false;

  constructor(source: SegmentSource, options: SegmenterOptions) {
    this.#source = source;
    this.#options = options;
    this.#next = options.firstSequence ?? 0;
  }

  /** The sequence number the next segment gets. */
  get nextSequence(): number {
    return this.#next;
  }

  /** The open segment's sequence number, if one is open. */
  get currentSequence(): number | undefined {
    return this.#writer?.sequence;
  }

  /**
   * Writes `frame`. A delta frame with no open segment (before the first key frame, or after a
   * failed write) is not written: "needs-key-frame" says the encoder should make one.
   */
  write(frame: EncodedFrame): WriteResult {
    if (this.#closed) return "needs-key-frame";
    const keyFrame = frame.keyFrame || this.#options.segmentPerFrame === true;
    if (keyFrame) {
      this.#finish();
      try {
        this.#writer = new FrameWriter(
          this.#source.createSegment({
            sequence: this.#next,
            priority: this.#options.priority,
            expiresMs: this.#options.ttlMs,
          }),
        );
        this.#options.onSegmentStart?.(this.#next);
      } catch (error) {
        // The track is closed (or refused the sequence): nothing to write into.
        this.#options.onSegmentEnd?.(this.#next, 0, error);
        return "needs-key-frame";
      } finally {
        this.#next++;
      }
    }
    const writer = this.#writer;
    if (writer === undefined) return "needs-key-frame";
    try {
      const before = writer.count;
      writer.write({ timestampUs: frame.timestampUs, data: frame.data, keyFrame: writer.count === 0 });
      this.#options.onFrame?.(writer.sequence, encodedFrameLength(frame));
      if (this.#options.segmentPerFrame === true && before === 0) this.#finish();
      return "written";
    } catch (error) {
      this.#writer = undefined;
      this.#options.onSegmentEnd?.(writer.sequence, writer.count, error);
      try {
        writer.close();
      } catch {
        // Closed already.
      }
      return "needs-key-frame";
    }
  }

  /** Finishes the open segment; later frames are refused. */
  close(): void {
    this.#finish();
    this.#closed = true;
  }

  #finish(): void {
    const writer = this.#writer;
    if (writer === undefined) return;
    this.#writer = undefined;
    writer.close();
    this.#options.onSegmentEnd?.(writer.sequence, writer.count);
  }
}
