// Worker side: captured AudioData → Opus AudioEncoder → one segment per Opus frame. Each AudioData
// is closed as soon as encode() took it.
import type { EncodedAudio } from "./catalog-builder.ts";
import type { WallClockAnchor } from "./clock.ts";
import { type OpusEncoderConfig, opusEncoderConfig } from "./codec.ts";
import { DEFAULT_AUDIO_BITRATE_PER_CHANNEL } from "./options.ts";
import type { Segmenter } from "./segmenter.ts";

export interface AudioPipelineOptions {
  frames: ReadableStream<AudioData>;
  /** Bits per second; undefined: 32 000 per channel. */
  bitrate: number | undefined;
  frameDurationMs: 10 | 20;
  segmenter: Segmenter;
  clock: WallClockAnchor;
  onConfigured: (audio: EncodedAudio) => void;
  onError: (code: "no-codec" | "encoder-error" | "capture-ended", message: string, fatal: boolean) => void;
}

export class AudioPipeline {
  readonly #options: AudioPipelineOptions;
  readonly #reader: ReadableStreamDefaultReader<AudioData>;
  #encoder: AudioEncoder | undefined;
  #config: OpusEncoderConfig | undefined;
  #configured: EncodedAudio | undefined;
  #stopped = false;

  constructor(options: AudioPipelineOptions) {
    this.#options = options;
    this.#reader = options.frames.getReader();
  }

  get configured(): EncodedAudio | undefined {
    return this.#configured;
  }

  async run(): Promise<void> {
    for (;;) {
      let data: AudioData | undefined;
      try {
        const read = await this.#reader.read();
        if (read.done) break;
        data = read.value;
      } catch (error) {
        if (!this.#stopped) this.#options.onError("capture-ended", `audio capture failed: ${String(error)}`, true);
        break;
      }
      try {
        if (this.#stopped) break;
        if (!this.#options.clock.observe("audio", data.timestamp)) continue;
        const encoder = await this.#encoderFor(data);
        if (encoder === undefined) break;
        encoder.encode(data);
      } catch (error) {
        this.#fail("encoder-error", `audio encode failed: ${String(error)}`);
        break;
      } finally {
        data.close();
      }
    }
    if (!this.#stopped) this.stop();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reader.cancel().catch(() => {});
    if (this.#encoder !== undefined && this.#encoder.state !== "closed") this.#encoder.close();
    this.#options.segmenter.close();
  }

  /** The encoder for this capture's rate and channels (configured at the first AudioData, or when they change). */
  async #encoderFor(data: AudioData): Promise<AudioEncoder | undefined> {
    const config = this.#config;
    if (
      this.#encoder !== undefined &&
      config?.sampleRate === data.sampleRate &&
      config.numberOfChannels === data.numberOfChannels
    ) {
      return this.#encoder;
    }
    const channels = data.numberOfChannels;
    const bitrate = this.#options.bitrate ?? DEFAULT_AUDIO_BITRATE_PER_CHANNEL * channels;
    const next = opusEncoderConfig(data.sampleRate, channels, bitrate, this.#options.frameDurationMs);
    const support = await AudioEncoder.isConfigSupported(next).catch(() => ({ supported: false }));
    if (support.supported !== true) {
      this.#fail("no-codec", `Opus does not encode here at ${data.sampleRate} Hz, ${channels} channels`);
      return undefined;
    }
    this.#encoder ??= new AudioEncoder({
      output: (chunk) => this.#output(chunk),
      error: (error) => this.#fail("encoder-error", `audio encoder: ${error.message}`),
    });
    this.#encoder.configure(next);
    this.#config = next;
    this.#configured = {
      codec: "opus",
      sampleRate: data.sampleRate,
      channels,
      bitrate,
      frameDurationMs: this.#options.frameDurationMs,
    };
    this.#options.onConfigured(this.#configured);
    return this.#encoder;
  }

  #output(chunk: EncodedAudioChunk): void {
    if (this.#stopped) return;
    const bytes = new Uint8Array(chunk.byteLength);
    chunk.copyTo(bytes);
    const timestampUs = this.#options.clock.toWallUs("audio", chunk.timestamp);
    // Every Opus frame decodes alone: each is a key frame in a segment of its own.
    this.#options.segmenter.write({ timestampUs, data: bytes, keyFrame: true });
  }

  #fail(code: "no-codec" | "encoder-error", message: string): void {
    if (this.#stopped) return;
    this.#options.onError(code, message, true);
    this.stop();
  }
}
