/** What went wrong reading or writing a legacy-container frame. */
export type ContainerErrorCode =
  /** The bytes end before the timestamp varint does (an empty object included). */
  | "truncated"
  /** A timestamp that is not an integer in 0..2^53-1 (decoded, or given to an encoder). */
  | "timestamp-out-of-range"
  /** A frame's data is not a Uint8Array. */
  | "invalid-frame"
  /** The first frame written into a segment (group) is not a key frame. */
  | "missing-key-frame"
  /** A key frame written after the first frame of a segment: a key frame starts a new group. */
  | "misplaced-key-frame"
  /** A segment's object IDs skip a number: a frame is missing, so the frames after it cannot be decoded. */
  | "object-gap";

/** A legacy-container error, as a value with a code (never a string to parse). */
export class ContainerError extends Error {
  override readonly name = "ContainerError";
  readonly code: ContainerErrorCode;
  /** The object ID (chunk ID) of the frame concerned, when it came from or was going to a segment. */
  readonly objectId: number | undefined;

  constructor(code: ContainerErrorCode, message: string, options: { objectId?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.objectId = options.objectId;
  }
}
