// Which captured frames the video encoder gets, and which of them it makes key frames: pure
// decisions, kept apart from WebCodecs so they can be tested.

/**
 * Frames the encoder may hold before new ones are dropped. Two: one being encoded and one waiting;
 * a third would only add a frame interval of latency. Dropping happens before encode(), so the
 * encoder's reference chain is intact and no key frame is needed after a drop.
 */
export const MAX_ENCODE_QUEUE = 2;

/** Whether to drop a captured frame rather than encode it. */
export function shouldDrop(encodeQueueSize: number): boolean {
  return encodeQueueSize > MAX_ENCODE_QUEUE;
}

/** Thins a capture faster than `frameRate` (a 60 fps camera for a 30 fps stream), as @moq/publish does. */
export class FrameRateGate {
  readonly #minGapUs: number;
  #last: number | undefined;

  constructor(frameRate: number) {
    // A quarter frame of slack: a camera's timestamps jitter around its nominal interval, while a
    // capture at twice the rate (gaps of half an interval) must lose every other frame.
    this.#minGapUs = (1_000_000 / frameRate) * 0.75;
  }

  /** Whether the frame at `timestampUs` goes on to the encoder. */
  admit(timestampUs: number): boolean {
    if (this.#last !== undefined && timestampUs - this.#last < this.#minGapUs && timestampUs >= this.#last) {
      return false;
    }
    this.#last = timestampUs;
    return true;
  }
}

/** A key frame every `intervalMs` of capture time, at the first frame, and whenever one is forced. */
export class KeyFrameSchedule {
  readonly #intervalUs: number;
  #lastKeyUs: number | undefined;
  #lastFrameUs: number | undefined;
  #forced = true;

  constructor(intervalMs: number) {
    this.#intervalUs = intervalMs * 1000;
  }

  /** Asks for a key frame with the next frame (a segment was lost, or the encoder was reconfigured). */
  force(): void {
    this.#forced = true;
  }

  /** Whether the frame at `timestampUs` should be a key frame; if so, it counts as the last one. */
  next(timestampUs: number): boolean {
    // Half a frame gap of slack, so that at 30 fps a 1 s interval is 30 frames, not 31.
    const halfGap = this.#lastFrameUs === undefined ? 0 : Math.max(0, timestampUs - this.#lastFrameUs) / 2;
    this.#lastFrameUs = timestampUs;
    const due =
      this.#forced ||
      this.#lastKeyUs === undefined ||
      timestampUs - this.#lastKeyUs + halfGap >= this.#intervalUs ||
      timestampUs < this.#lastKeyUs;
    if (due) {
      this.#forced = false;
      this.#lastKeyUs = timestampUs;
    }
    return due;
  }

  /** The encoder made a key frame on its own at `timestampUs`: the interval counts from there. */
  keyFrameAt(timestampUs: number): void {
    this.#lastKeyUs = timestampUs;
  }
}
