// What the player reports: counters since play() and latency over a sliding window.

export interface PlayerStats {
  /** Video frames out of the decoder. */
  framesDecoded: number;
  /** Video frames painted. */
  framesRendered: number;
  /**
   * Video frames decoded but never painted because a newer frame was due first (late). Frames decoded
   * only to reach the live edge (startup, or after a skip) are not counted here: see framesCaughtUp.
   */
  framesDropped: number;
  /** Frames decoded from a group's key frame up to the live edge and not shown (startup and skips). */
  framesCaughtUp: number;
  /** Video segments (groups) abandoned for a newer one because the player was behind. */
  segmentsSkipped: number;
  /** Times the audio output ran dry (it fades out and back in; never a click). */
  audioUnderruns: number;
  /** Audio frames (AudioData) that reached the worklet. */
  audioFramesPlayed: number;
  /**
   * Glass-to-glass latency (ms): now minus the publisher's capture timestamp of the picture painted,
   * when that timestamp is on this page's clock (moqkit's camera stamps Unix time); NaN otherwise.
   */
  latencyMs: { last: number; p95: number };
  /** Media held ahead of what is shown: decoded and undecoded video, and queued audio (ms). */
  bufferMs: number;
  /** The jitter buffer's current target (ms): the larger of the latency option and the measured spread. */
  targetBufferMs: number;
  /** Payload bytes pulled from the worker. */
  bytesReceived: number;
  /** The renditions playing (track names), once chosen. */
  rendition: { video?: string; audio?: string; codec?: string; width?: number; height?: number };
}

export function emptyStats(): PlayerStats {
  return {
    framesDecoded: 0,
    framesRendered: 0,
    framesDropped: 0,
    framesCaughtUp: 0,
    segmentsSkipped: 0,
    audioUnderruns: 0,
    audioFramesPlayed: 0,
    latencyMs: { last: Number.NaN, p95: Number.NaN },
    bufferMs: 0,
    targetBufferMs: 0,
    bytesReceived: 0,
    rendition: {},
  };
}

/** Samples over a sliding time window, for percentiles ("p95 over the last 5 s"). */
export class WindowedSamples {
  readonly #windowMs: number;
  readonly #times: number[] = [];
  readonly #values: number[] = [];
  /** The values sorted, kept until the next add or prune: the clock asks for a quantile several times per frame. */
  #sorted: number[] | undefined;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  add(atMs: number, value: number): void {
    this.#times.push(atMs);
    this.#values.push(value);
    this.#sorted = undefined;
    this.#prune(atMs);
  }

  /** The q-quantile (0..1) of the samples within the window ending at `nowMs`; NaN when there are none. */
  quantile(q: number, nowMs: number): number {
    this.#prune(nowMs);
    const n = this.#values.length;
    if (n === 0) return Number.NaN;
    this.#sorted ??= [...this.#values].sort((a, b) => a - b);
    const sorted = this.#sorted;
    return sorted[Math.min(n - 1, Math.floor(q * n))] as number;
  }

  /** The smallest sample within the window ending at `nowMs`; NaN when there are none. */
  min(nowMs: number): number {
    this.#prune(nowMs);
    let min = Number.POSITIVE_INFINITY;
    for (const value of this.#values) if (value < min) min = value;
    return this.#values.length === 0 ? Number.NaN : min;
  }

  /** Samples held (some may have left the window since the last add). */
  get size(): number {
    return this.#values.length;
  }

  /** Samples within the window ending at `nowMs`. */
  count(nowMs: number): number {
    this.#prune(nowMs);
    return this.#values.length;
  }

  clear(): void {
    this.#times.length = 0;
    this.#values.length = 0;
    this.#sorted = undefined;
  }

  #prune(nowMs: number): void {
    let drop = 0;
    while (drop < this.#times.length && (this.#times[drop] as number) < nowMs - this.#windowMs) drop++;
    if (drop > 0) {
      this.#sorted = undefined;
      this.#times.splice(0, drop);
      this.#values.splice(0, drop);
    }
  }
}
