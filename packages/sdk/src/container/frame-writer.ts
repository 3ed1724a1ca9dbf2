import type { CacheError } from "../cache/error.ts";
import type { SegmentPublisher } from "../cache/segment.ts";
import { ContainerError } from "./error.ts";
import { encodeFrame, type Frame } from "./legacy.ts";

/** A frame to write, and whether it is a key frame (only the first frame of a segment may be one). */
export interface WritableFrame extends Frame {
  readonly keyFrame: boolean;
}

/**
 * Writes legacy-container frames into one cache segment (one MoQT group): the first frame must be a
 * key frame, and a later key frame must start a new segment instead, since nothing on the wire marks
 * key frames except their place at the start of a group.
 *
 * Each frame becomes one chunk written without an explicit ID, so the chunks' IDs (the objects'
 * IDs on the wire) run 0, 1, 2, … with no gaps, as @moq/net requires. The writer must therefore be
 * the segment's only writer. It owns the segment publisher: `close()` closes it.
 */
export class FrameWriter {
  readonly #segment: SegmentPublisher;
  #count = 0;

  constructor(segment: SegmentPublisher) {
    this.#segment = segment;
  }

  /** The segment's sequence number (the group ID). */
  get sequence(): number {
    return this.#segment.sequence;
  }

  /** How many frames were written: also the object ID the next frame gets. */
  get count(): number {
    return this.#count;
  }

  /**
   * Encodes `frame` and appends it as the segment's next chunk. The encoded bytes are a fresh copy:
   * `frame.data` may be reused afterwards.
   * Throws ContainerError `missing-key-frame` / `misplaced-key-frame` (nothing written), the
   * encoder's ContainerError, or the segment's CacheError (`closed`) when it can take no more.
   */
  write(frame: WritableFrame): void {
    const objectId = this.#count;
    if (objectId === 0 && frame.keyFrame !== true) {
      throw new ContainerError("missing-key-frame", "the first frame of a segment must be a key frame", { objectId });
    }
    if (objectId > 0 && frame.keyFrame !== false) {
      throw new ContainerError("misplaced-key-frame", "a key frame must start a new segment", { objectId });
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(frame);
    } catch (error) {
      if (error instanceof ContainerError) {
        throw new ContainerError(error.code, error.message, { objectId, cause: error });
      }
      throw error;
    }
    this.#segment.writeChunk(bytes);
    this.#count++;
  }

  /** Finishes the segment (or ends it with `error`) by closing the segment publisher. */
  close(error?: CacheError): void {
    this.#segment.close(error);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
