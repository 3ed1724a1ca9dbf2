import type { SegmentSubscriber } from "../cache/segment.ts";
import { ContainerError } from "./error.ts";
import { decodeFrame, type Frame } from "./legacy.ts";

/** A frame read from a segment, with its place in the group. */
export interface ReadFrame extends Frame {
  /** The frame's object ID in its group: 0, 1, 2, … (chunk IDs are the objects' IDs). */
  readonly index: number;
  /** Whether this is the group's key frame, which the format says is its first frame (index 0). */
  readonly keyFrame: boolean;
}

/**
 * Reads a segment's (a MoQT group's) legacy-container frames as they arrive, never waiting for the
 * whole segment. Each frame's `data` is a view into the cached chunk, which other readers share:
 * read it, copy it, or hand it to a decoder, but do not modify or transfer its buffer.
 *
 * The iterator owns `segment`: it closes the subscriber when it ends, throws, or is left early
 * (`break`). It throws the segment's CacheError if the segment ended with one (after yielding what
 * arrived before), a ContainerError from the decoder (with the object ID), and ContainerError
 * `object-gap` when an object ID is skipped (the frames after a missing one cannot be decoded).
 * A reader that joined a group mid-way starts at that object ID, and its first frame is then no key frame.
 */
export async function* readFrames(segment: SegmentSubscriber): AsyncGenerator<ReadFrame, void, undefined> {
  try {
    let expected: number | undefined;
    for (;;) {
      const chunk = await segment.readChunk();
      if (chunk === undefined) return;
      const index = segment.chunkId;
      if (expected !== undefined && index !== expected) {
        throw new ContainerError("object-gap", `object ${expected} is missing (the next one is ${index})`, {
          objectId: expected,
        });
      }
      expected = index + 1;
      let frame: Frame;
      try {
        frame = decodeFrame(chunk);
      } catch (error) {
        if (error instanceof ContainerError) {
          throw new ContainerError(error.code, `object ${index}: ${error.message}`, { objectId: index, cause: error });
        }
        throw error;
      }
      yield { timestampUs: frame.timestampUs, data: frame.data, index, keyFrame: index === 0 };
    }
  } finally {
    segment.close();
  }
}
