// Worker side: captured VideoFrames → VideoEncoder → segments, one per group of pictures. Every
// frame is closed as soon as encode() took it or it was dropped (frames held back stall the camera);
// when the encoder is behind, new frames are dropped before encoding, never queued.
import type { EncodedVideo } from "./catalog-builder.ts";
import { type WallClockAnchor, wallNowUs } from "./clock.ts";
import { videoEncoderConfig } from "./codec.ts";
import { defaultVideoBitrate } from "./options.ts";
import type { Segmenter } from "./segmenter.ts";
import type { LatencyWindow, MediaCounters } from "./stats.ts";
import { FrameRateGate, KeyFrameSchedule, shouldDrop } from "./video-schedule.ts";

export interface VideoPipelineOptions {
  frames: ReadableStream<VideoFrame>;
  /** The codec chosen at start. */
  codec: string;
  frameRate: number;
  /** Bits per second; undefined: from the captured size (defaultVideoBitrate). */
  bitrate: number | undefined;
  keyFrameIntervalMs: number;
  segmenter: Segmenter;
  clock: WallClockAnchor;
  counters: MediaCounters;
  latency: LatencyWindow;
  /** The encoder was (re)configured: the catalog changes. */
  onConfigured: (video: EncodedVideo) => void;
  onError: (code: "encoder-error" | "capture-ended", message: string, fatal: boolean) => void;
}

export class VideoPipeline {
  readonly #options: VideoPipelineOptions;
  readonly #schedule: KeyFrameSchedule;
  readonly #gate: FrameRateGate;
  readonly #reader: ReadableStreamDefaultReader<VideoFrame>;
  #encoder: VideoEncoder | undefined;
  #configured: EncodedVideo | undefined;
  #stopped = false;

  constructor(options: VideoPipelineOptions) {
    this.#options = options;
    this.#schedule = new KeyFrameSchedule(options.keyFrameIntervalMs);
    this.#gate = new FrameRateGate(options.frameRate);
    this.#reader = options.frames.getReader();
  }

  get encodeQueue(): number {
    return this.#encoder?.encodeQueueSize ?? 0;
  }

  get configured(): EncodedVideo | undefined {
    return this.#configured;
  }

  /** Reads and encodes until the capture ends or stop(). */
  async run(): Promise<void> {
    const { counters, clock } = this.#options;
    for (;;) {
      let frame: VideoFrame | undefined;
      try {
        const read = await this.#reader.read();
        if (read.done) break;
        frame = read.value;
      } catch (error) {
        if (!this.#stopped) this.#options.onError("capture-ended", `video capture failed: ${String(error)}`, true);
        break;
      }
      try {
        counters.framesCaptured++;
        if (this.#stopped) break;
        // The first frames only measure the capture clock (clock.ts); they are stale anyway.
        if (!clock.observe("video", frame.timestamp)) continue;
        if (!this.#gate.admit(frame.timestamp)) continue;
        const encoder = this.#encoderFor(frame);
        if (encoder === undefined) break;
        if (shouldDrop(encoder.encodeQueueSize)) {
          counters.framesDropped++;
          continue;
        }
        encoder.encode(frame, { keyFrame: this.#schedule.next(frame.timestamp) });
      } catch (error) {
        this.#fail(`video encode failed: ${String(error)}`);
        break;
      } finally {
        frame.close();
      }
    }
    if (!this.#stopped) this.stop();
  }

  /** Stops reading (the capture's frames are released), closes the encoder and the open segment. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reader.cancel().catch(() => {});
    if (this.#encoder !== undefined && this.#encoder.state !== "closed") this.#encoder.close();
    this.#options.segmenter.close();
  }

  /** The encoder, configured for this frame's size (again, if the capture changed size). */
  #encoderFor(frame: VideoFrame): VideoEncoder | undefined {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const current = this.#configured;
    if (this.#encoder !== undefined && current !== undefined && current.width === width - (width % 2)) {
      if (current.height === height - (height % 2)) return this.#encoder;
    }
    const { codec, frameRate } = this.#options;
    const bitrate = this.#options.bitrate ?? defaultVideoBitrate(width, height, frameRate, codec);
    const config = videoEncoderConfig(codec, { width, height, frameRate, bitrate });
    this.#encoder ??= new VideoEncoder({
      output: (chunk) => this.#output(chunk),
      error: (error) => this.#fail(`video encoder: ${error.message}`),
    });
    this.#encoder.configure(config);
    this.#schedule.force();
    this.#configured = {
      codec,
      width: config.width,
      height: config.height,
      frameRate,
      bitrate,
    };
    this.#options.onConfigured(this.#configured);
    return this.#encoder;
  }

  #output(chunk: EncodedVideoChunk): void {
    if (this.#stopped) return;
    const { counters, clock, latency, segmenter } = this.#options;
    counters.framesEncoded++;
    const timestampUs = clock.toWallUs("video", chunk.timestamp);
    latency.add((wallNowUs() - timestampUs) / 1000);
    const keyFrame = chunk.type === "key";
    if (keyFrame) this.#schedule.keyFrameAt(chunk.timestamp);
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    if (segmenter.write({ timestampUs, data, keyFrame }) === "needs-key-frame") this.#schedule.force();
  }

  #fail(message: string): void {
    if (this.#stopped) return;
    this.#options.onError("encoder-error", message, true);
    this.stop();
  }
}
