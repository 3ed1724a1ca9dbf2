// The player's audio path: encoded frames → AudioDecoder → (SharedArrayBuffer FIFO or port messages)
// → AudioWorklet playout (playout.ts) → GainNode (mute, volume) → speakers. It is also the player's
// master clock: playheadUs() says which media timestamp is being heard.
import { type AudioDecoderConfigInit, type AudioRendition, audioDecoderConfig } from "../../catalog/index.ts";
import { fifoBytes, SampleFifo } from "./fifo.ts";
import {
  PROCESSOR_NAME,
  type ProcessorOptions,
  playoutTuning,
  type ToWorklet,
  type WorkletReport,
  workletSource,
} from "./processor.ts";

export interface AudioPlaybackOptions {
  /**
   * The jitter buffer target the player wants (ms), read at every frame; audio keeps at least this
   * much queued before and while playing (plus what the output needs). A lower target is reached
   * within ~0.5 s by skipping ahead; a higher one at the next refill (an underrun or a flush).
   */
  targetBufferMs: () => number;
  muted: boolean;
  /** 0..1 */
  volume: number;
  /** Decoder failures and frames that cannot be played (the frame is dropped; playback goes on). */
  onError: (error: Error) => void;
}

export interface AudioPlaybackStats {
  /** Dry spells (each faded out and back in; counted once each). */
  underruns: number;
  /** Decoded frames (AudioData) whose samples reached the worklet's queue. */
  framesPlayed: number;
  /** Audio queued in the worklet (ms). */
  bufferedMs: number;
  /** The AudioContext runs and playback is not paused (false while the browser blocks autoplay). */
  running: boolean;
}

/** Time constant of mute and volume changes (s): 99 % of the way in ~20 ms, no click. */
const GAIN_TIME_CONSTANT_S = 0.004;
/** How long pause() lets the gain ramp down before the context is suspended (ms). */
const PAUSE_FADE_MS = 30;
/** How long resume() waits for the context to start; a browser blocking autoplay leaves it pending (ms). */
const RESUME_WAIT_MS = 300;
/** Reports kept to find the one in force at the audible time (~0.7 s of them). */
const REPORT_HISTORY = 32;
/** A report older than this (s) before the audible time is stale: the worklet stopped reporting. */
const REPORT_STALE_S = 0.25;
/** SharedArrayBuffer FIFO size: ~1 s of audio. */
const FIFO_SECONDS = 1;
/** Events that carry a user activation, to start a context the browser held back. */
const GESTURES = ["pointerdown", "keydown", "touchend"] as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function checkVolume(value: number): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`volume must be in 0..1, got ${value}`);
  return value;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export class AudioPlayback {
  readonly #context: AudioContext;
  readonly #node: AudioWorkletNode;
  readonly #gain: GainNode;
  readonly #config: AudioDecoderConfigInit;
  readonly #options: AudioPlaybackOptions;
  readonly #channels: number;
  readonly #rate: number;
  readonly #fifo: SampleFifo | undefined;
  #decoder: AudioDecoder;
  /** Flush generation: bumped by flush(); the worklet drops older frames and reports. */
  #gen = 0;
  #reports: WorkletReport[] = [];
  #last: WorkletReport | undefined;
  #muted: boolean;
  #volume: number;
  #paused = false;
  #closed = false;
  #rateMismatchReported = false;
  #unlockArmed = false;

  /**
   * Creates the AudioContext (latencyHint "interactive", the rendition's sample rate), loads the
   * worklet and configures an AudioDecoder from the catalog rendition. Rejects when the codec cannot
   * be decoded, or when Web Audio or WebCodecs is missing. The context is created before anything is
   * awaited, so a call from a user gesture's handler lets it start; otherwise it may start suspended
   * (autoplay policy) and starts at the page's next click or key press (stats().running says which).
   */
  static async create(rendition: AudioRendition, options: AudioPlaybackOptions): Promise<AudioPlayback> {
    if (typeof AudioContext === "undefined" || typeof AudioWorkletNode === "undefined") {
      throw new Error("Web Audio with AudioWorklet is not available");
    }
    if (typeof AudioDecoder === "undefined") throw new Error("WebCodecs AudioDecoder is not available");
    const volume = checkVolume(options.volume);
    const config = audioDecoderConfig(rendition);
    const context = new AudioContext({ latencyHint: "interactive", sampleRate: rendition.sampleRate });
    context.resume().catch(() => undefined);
    try {
      const support = await AudioDecoder.isConfigSupported(config).catch(() => undefined);
      if (support?.supported !== true) {
        throw new Error(
          `this browser cannot decode audio ${config.codec} (${config.sampleRate} Hz, ${config.numberOfChannels} channels)`,
        );
      }
      const url = URL.createObjectURL(new Blob([workletSource()], { type: "text/javascript" }));
      try {
        await context.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      const channels = rendition.numberOfChannels;
      const rate = context.sampleRate;
      const shared = typeof SharedArrayBuffer !== "undefined" && globalThis.crossOriginIsolated === true;
      const fifoBuffer = shared ? new SharedArrayBuffer(fifoBytes(rate * channels * FIFO_SECONDS + 4096)) : undefined;
      const processorOptions: ProcessorOptions = {
        channels,
        rate,
        tuning: playoutTuning(rate, context.baseLatency),
        reportQuanta: Math.max(1, Math.round((rate * 0.02) / 128)),
      };
      if (fifoBuffer !== undefined) processorOptions.fifo = fifoBuffer;
      const node = new AudioWorkletNode(context, PROCESSOR_NAME, {
        numberOfInputs: 0,
        numberOfOutputs: 1,
        outputChannelCount: [channels],
        processorOptions,
      });
      const gain = new GainNode(context, { gain: options.muted ? 0 : volume });
      node.connect(gain).connect(context.destination);
      const fifo = fifoBuffer === undefined ? undefined : new SampleFifo(fifoBuffer, channels);
      return new AudioPlayback(context, node, gain, config, options, fifo);
    } catch (error) {
      await context.close().catch(() => undefined);
      throw error;
    }
  }

  private constructor(
    context: AudioContext,
    node: AudioWorkletNode,
    gain: GainNode,
    config: AudioDecoderConfigInit,
    options: AudioPlaybackOptions,
    fifo: SampleFifo | undefined,
  ) {
    this.#context = context;
    this.#node = node;
    this.#gain = gain;
    this.#config = config;
    this.#options = options;
    this.#channels = config.numberOfChannels;
    this.#rate = context.sampleRate;
    this.#fifo = fifo;
    this.#muted = options.muted;
    this.#volume = options.volume;
    this.#decoder = this.#newDecoder();
    node.port.onmessage = (event: MessageEvent<WorkletReport>) => this.#report(event.data);
    context.onstatechange = () => this.#stateChanged();
    this.#stateChanged();
  }

  /**
   * One encoded frame (already split out of the @moq/hang legacy container): its timestamp (µs,
   * publisher's clock) and bytes. Never throws: decoder errors go to onError and the decoder is
   * configured anew for the next frame.
   */
  decode(timestampUs: number, data: Uint8Array): void {
    if (this.#closed) return;
    if (this.#decoder.state === "closed") this.#decoder = this.#newDecoder();
    try {
      this.#decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: timestampUs, data }));
    } catch (error) {
      this.#options.onError(new Error(`audio decode failed: ${toError(error).message}`, { cause: error }));
      this.#resetDecoder();
    }
  }

  get muted(): boolean {
    return this.#muted;
  }

  set muted(value: boolean) {
    this.#muted = value;
    this.#applyGain();
  }

  get volume(): number {
    return this.#volume;
  }

  set volume(value: number) {
    this.#volume = checkVolume(value);
    this.#applyGain();
  }

  /**
   * The media timestamp (µs) audible at page time `nowMs` (performance.now()), output latency
   * included; undefined while nothing plays (buffering, an underrun, paused, or the context not
   * running).
   */
  playheadUs(nowMs: number): number | undefined {
    if (this.#closed || this.#paused || this.#context.state !== "running") return undefined;
    const audible = this.#audibleContextTime(nowMs);
    const reports = this.#reports;
    for (let k = reports.length - 1; k >= 0; k--) {
      const report = reports[k] as WorkletReport;
      if (report.contextTime > audible) continue;
      // Reports come at every start, underrun, skip and flush, so between two the media time runs
      // with the context time.
      if (!report.playing || audible - report.contextTime > REPORT_STALE_S) return undefined;
      return report.mediaUs + (audible - report.contextTime) * 1e6;
    }
    return undefined;
  }

  stats(): AudioPlaybackStats {
    const last = this.#last;
    return {
      underruns: last?.underruns ?? 0,
      framesPlayed: last?.framesPlayed ?? 0,
      bufferedMs: last === undefined ? 0 : (last.bufferedSamples / this.#rate) * 1000,
      running: !this.#closed && !this.#paused && this.#context.state === "running",
    };
  }

  /** Drops everything queued (the player skipped ahead, or pauses): what plays fades out, the queue empties. */
  flush(): void {
    if (this.#closed) return;
    this.#gen++;
    if (this.#fifo !== undefined) this.#fifo.generation = this.#gen;
    else this.#post({ type: "flush", gen: this.#gen });
    this.#resetDecoder();
    this.#reports = [];
    if (this.#last !== undefined) this.#last = { ...this.#last, bufferedSamples: 0, playing: false };
  }

  /** Fades out, drops what is queued and suspends the context. */
  async pause(): Promise<void> {
    if (this.#closed || this.#paused) return;
    this.#paused = true;
    this.#applyGain();
    this.flush();
    if (this.#context.state === "running") await sleep(PAUSE_FADE_MS);
    if (!this.#paused || this.#closed) return;
    await this.#context.suspend().catch(() => undefined);
  }

  /**
   * Resumes the context and fades the sound back in (from the frames that come next). Resolves once
   * the context runs, or after a short wait when the browser holds it back for want of a user
   * gesture (it then starts at the page's next click or key press; stats().running says which).
   */
  async resume(): Promise<void> {
    if (this.#closed) return;
    this.#paused = false;
    this.#applyGain();
    this.#stateChanged();
    if (this.#context.state !== "running") {
      await Promise.race([this.#context.resume().catch(() => undefined), sleep(RESUME_WAIT_MS)]);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#disarmUnlock();
    this.#context.onstatechange = null;
    if (this.#decoder.state !== "closed") this.#decoder.close();
    this.#post({ type: "close" });
    this.#node.port.onmessage = null;
    this.#node.disconnect();
    this.#gain.disconnect();
    await this.#context.close().catch(() => undefined);
  }

  #newDecoder(): AudioDecoder {
    const decoder = new AudioDecoder({
      output: (data) => this.#output(data),
      error: (error) => {
        // The decoder is closed now; decode() makes a new one for the next frame.
        if (!this.#closed) this.#options.onError(new Error(`audio decoder: ${error.message}`, { cause: error }));
      },
    });
    decoder.configure(this.#config);
    return decoder;
  }

  #resetDecoder(): void {
    try {
      if (this.#decoder.state === "closed") return;
      this.#decoder.reset();
      this.#decoder.configure(this.#config);
    } catch {
      this.#decoder = this.#newDecoder();
    }
  }

  #output(data: AudioData): void {
    try {
      if (this.#closed || this.#paused || this.#context.state !== "running") return;
      if (data.sampleRate !== this.#rate) {
        if (!this.#rateMismatchReported) {
          this.#rateMismatchReported = true;
          this.#options.onError(
            new Error(`audio decoded at ${data.sampleRate} Hz, but the catalog said ${this.#rate} Hz: dropped`),
          );
        }
        return;
      }
      const frames = data.numberOfFrames;
      const target = (Math.max(0, this.#options.targetBufferMs()) * this.#rate) / 1000;
      // Copied straight into the shared FIFO, or into a buffer transferred to the worklet.
      const samples = this.#fifo === undefined ? new Float32Array(frames * this.#channels) : this.#fifo.reserve(frames);
      if (samples === undefined) return; // The FIFO is full: the worklet is not draining it.
      for (let c = 0; c < this.#channels; c++) {
        // A stream with fewer channels than announced repeats its last one.
        const plane = Math.min(c, data.numberOfChannels - 1);
        data.copyTo(samples.subarray(c * frames, (c + 1) * frames), { planeIndex: plane, format: "f32-planar" });
      }
      if (this.#fifo !== undefined) {
        this.#fifo.commit(this.#gen, data.timestamp, target);
      } else {
        const message: ToWorklet = {
          type: "data",
          gen: this.#gen,
          timestampUs: data.timestamp,
          frames,
          target,
          samples,
        };
        this.#node.port.postMessage(message, [samples.buffer]);
      }
    } catch (error) {
      this.#options.onError(new Error(`audio frame dropped: ${toError(error).message}`, { cause: error }));
    } finally {
      data.close();
    }
  }

  #report(report: WorkletReport): void {
    if (report.type !== "report" || report.gen < this.#gen) return;
    this.#last = report;
    this.#reports.push(report);
    if (this.#reports.length > REPORT_HISTORY) this.#reports.shift();
  }

  /** The context time being heard at page time `nowMs`. */
  #audibleContextTime(nowMs: number): number {
    const context = this.#context;
    const stamp = context.getOutputTimestamp?.();
    if (stamp?.contextTime !== undefined && stamp.performanceTime !== undefined && stamp.performanceTime > 0) {
      // Measured in Chromium: contextTime trails currentTime by baseLatency + outputLatency.
      return stamp.contextTime + (nowMs - stamp.performanceTime) / 1000;
    }
    return context.currentTime - context.baseLatency - (context.outputLatency || 0);
  }

  #applyGain(): void {
    if (this.#closed) return;
    const value = this.#paused || this.#muted ? 0 : this.#volume;
    const param = this.#gain.gain;
    const now = this.#context.currentTime;
    param.cancelScheduledValues(now);
    param.setTargetAtTime(value, now, GAIN_TIME_CONSTANT_S);
  }

  #post(message: ToWorklet): void {
    this.#node.port.postMessage(message);
  }

  /** Keeps a click or key press able to start the context while it is held back (and not paused). */
  #stateChanged(): void {
    if (this.#closed) return;
    if (this.#context.state === "running" || this.#paused) this.#disarmUnlock();
    else this.#armUnlock();
  }

  readonly #unlock = (): void => {
    if (!this.#closed && !this.#paused && this.#context.state !== "running") {
      this.#context.resume().catch(() => undefined);
    }
  };

  #armUnlock(): void {
    if (this.#unlockArmed || typeof window === "undefined") return;
    this.#unlockArmed = true;
    for (const type of GESTURES) window.addEventListener(type, this.#unlock, { capture: true, passive: true });
  }

  #disarmUnlock(): void {
    if (!this.#unlockArmed) return;
    this.#unlockArmed = false;
    for (const type of GESTURES) window.removeEventListener(type, this.#unlock, { capture: true });
  }
}
