// Frame timestamps on the wall clock. Each media object carries a timestamp in microseconds (the
// legacy container); we make it Unix time in microseconds of the frame's capture, so a player on
// the same clock (the same machine, or NTP-synchronised ones) reads glass-to-glass latency as
// `(performance.timeOrigin + performance.now()) * 1000 - timestamp` (or Date.now(), to the
// millisecond). @moq/watch only uses differences between timestamps (it anchors
// playback on the first frame it sees), so it plays these as it plays @moq/publish's
// performance.now()-based ones; 1.7e15 µs is far inside the 2^53 the container allows.
//
// A capture timestamp (VideoFrame/AudioData.timestamp from a MediaStreamTrackProcessor) is on the
// capturer's own clock, and the kinds differ in Chromium (measured: audio on the page's
// performance.now(), video on the system's monotonic clock). So each kind gets its own offset,
// wall = capture + offset, measured as the smallest (wall now − capture) over its first frames:
// the first frames may have waited in the capture's queue while the worker started, and an offset
// taken from one of those would put every later frame in the future. The pipelines skip those
// first frames (they are stale anyway), so the offset never changes once frames go out and the
// timestamps keep their true spacing.

/** Frames of each kind measured (and skipped) before its offset is fixed. */
export const ANCHOR_FRAMES = 5;

export type MediaKind = "video" | "audio";

/** Unix time in microseconds, from the worker's clock. */
export function wallNowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

interface KindAnchor {
  offset: number;
  seen: number;
}

export class WallClockAnchor {
  readonly #now: () => number;
  readonly #frames: number;
  readonly #anchors = new Map<MediaKind, KindAnchor>();

  constructor(now: () => number = wallNowUs, frames = ANCHOR_FRAMES) {
    this.#now = now;
    this.#frames = frames;
  }

  /**
   * Measures a frame that just arrived. False while the offset is still being measured: the caller
   * skips the frame. True once it is fixed (the frame can be encoded).
   */
  observe(kind: MediaKind, captureUs: number): boolean {
    let anchor = this.#anchors.get(kind);
    if (anchor === undefined) {
      anchor = { offset: Number.POSITIVE_INFINITY, seen: 0 };
      this.#anchors.set(kind, anchor);
    }
    if (anchor.seen >= this.#frames) return true;
    anchor.seen++;
    anchor.offset = Math.min(anchor.offset, this.#now() - captureUs);
    return false;
  }

  /** The wall-clock timestamp (Unix µs, integer) of a frame captured at `captureUs` on its kind's clock. */
  toWallUs(kind: MediaKind, captureUs: number): number {
    let anchor = this.#anchors.get(kind);
    if (anchor === undefined || anchor.offset === Number.POSITIVE_INFINITY) {
      // Not measured (observe() was not called): anchor on this frame.
      anchor = { offset: this.#now() - captureUs, seen: this.#frames };
      this.#anchors.set(kind, anchor);
    }
    return Math.max(0, Math.round(captureUs + anchor.offset));
  }
}
