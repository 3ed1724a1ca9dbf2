// The @moq/hang "legacy" container: one MoQT object per frame, holding the frame's timestamp in
// microseconds as a QUIC varint followed by the codec bitstream. Nothing else is on the wire: no
// key-frame flag (a group's first frame is its key frame), no duration, no length (the object's).

import { readVarint, varintLength, writeVarint } from "../wire/varint.ts";
import { ContainerError } from "./error.ts";

/** Timestamps are microseconds; JavaScript numbers hold them exactly up to 2^53 - 1 (about 285 years). */
export const MAX_TIMESTAMP_US = Number.MAX_SAFE_INTEGER;

/** One frame: its presentation timestamp and its codec bitstream. */
export interface Frame {
  /** Presentation timestamp in microseconds, an integer in 0..2^53-1. */
  readonly timestampUs: number;
  /**
   * The codec bitstream (for H.264 from @moq/publish: Annex B, SPS/PPS before each key frame).
   * Empty data is a marker, not a sample (@moq/hang: "content stops at this timestamp"); never hand
   * it to a decoder.
   */
  readonly data: Uint8Array;
}

function checkTimestamp(timestampUs: number): void {
  if (!Number.isSafeInteger(timestampUs) || timestampUs < 0) {
    throw new ContainerError(
      "timestamp-out-of-range",
      `a frame timestamp must be an integer in 0..2^53-1 microseconds, got ${String(timestampUs)}`,
    );
  }
}

/** Bytes `encodeFrame(frame)` produces. Throws ContainerError for a bad timestamp. */
export function encodedFrameLength(frame: Frame): number {
  checkTimestamp(frame.timestampUs);
  return varintLength(frame.timestampUs) + frame.data.byteLength;
}

/**
 * One object's payload for `frame`: the timestamp varint (shortest form), then a copy of the data.
 * Throws ContainerError `timestamp-out-of-range` or `invalid-frame`.
 */
export function encodeFrame(frame: Frame): Uint8Array {
  if (!(frame.data instanceof Uint8Array)) {
    throw new ContainerError("invalid-frame", "a frame's data must be a Uint8Array");
  }
  const out = new Uint8Array(encodedFrameLength(frame));
  const offset = writeVarint(out, 0, frame.timestampUs);
  out.set(frame.data, offset);
  return out;
}

/**
 * The frame in one object's payload. `data` is a view into `bytes` (no copy): it stays valid as long
 * as `bytes` is not modified or transferred. Throws ContainerError `truncated` when the payload ends
 * inside the varint (or is empty) and `timestamp-out-of-range` for a timestamp above 2^53-1.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  const read = readVarint(bytes, 0);
  if (read === undefined) {
    throw new ContainerError("truncated", `a ${bytes.byteLength}-byte object ends inside its timestamp varint`);
  }
  // readVarint rounds values above 2^53 to the nearest double, which is still above the limit.
  if (read.value > MAX_TIMESTAMP_US) {
    throw new ContainerError("timestamp-out-of-range", "a frame timestamp above 2^53-1 microseconds");
  }
  return { timestampUs: read.value, data: bytes.subarray(read.next) };
}
