// The AudioWorklet side: the processor that feeds Playout from the main thread (SharedArrayBuffer
// FIFO or port messages) and reports back, and the worklet module's source. The module is built
// from Function.prototype.toString() of Playout, SampleFifo and defineProcessor into a Blob URL, so
// it has no imports and needs no bundler configuration (no separate worklet file to emit or resolve).
import { SampleFifo } from "./fifo.ts";
import { Playout, type PlayoutTuning } from "./playout.ts";

/** The name the processor is registered under. */
export const PROCESSOR_NAME = "moqkit-audio-playout";

/** AudioWorkletNode processorOptions. */
export interface ProcessorOptions {
  channels: number;
  rate: number;
  tuning: PlayoutTuning;
  /** The SharedArrayBuffer of a SampleFifo, when the page is crossOriginIsolated; else frames come as messages. */
  fifo?: SharedArrayBuffer;
  /** Render quanta between two reports (besides the one sent at every start, underrun, skip and flush). */
  reportQuanta: number;
}

/** Main thread → worklet. A data message transfers its samples (planar, channel c at c * frames). */
export type ToWorklet =
  | { type: "data"; gen: number; timestampUs: number; frames: number; target: number; samples: Float32Array }
  | { type: "flush"; gen: number }
  | { type: "close" };

/** Worklet → main thread, every reportQuanta render quanta and at once after an event. */
export interface WorkletReport {
  type: "report";
  /** The flush generation the worklet is at. */
  gen: number;
  /** Context time (s) at the end of the render quantum just produced. */
  contextTime: number;
  /** Publisher timestamp (µs) of the sample rendered at contextTime; NaN when not playing. */
  mediaUs: number;
  playing: boolean;
  underruns: number;
  /** Frames (AudioData) whose samples reached the worklet and were queued. */
  framesPlayed: number;
  /** Frames dropped as late. */
  framesLate: number;
  bufferedSamples: number;
  samplesSkipped: number;
}

/** What the worklet global scope provides (passed in, so that tests can provide it too). */
export interface ProcessorScope {
  Base: new () => { readonly port: MessagePort };
  register: (name: string, processor: new (options: { processorOptions: ProcessorOptions }) => unknown) => void;
  /** The context time (s) at the start of the render quantum being processed. */
  currentTime: () => number;
}

/**
 * Defines the processor class and registers it. Runs in the worklet (serialised: everything it uses
 * comes in through its parameters; see playout.ts for the rules).
 */
export function defineProcessor(
  scope: ProcessorScope,
  PlayoutClass: typeof Playout,
  FifoClass: typeof SampleFifo,
  name: string,
): void {
  class PlayoutProcessor extends scope.Base {
    declare playout: Playout;
    declare fifo: SampleFifo | undefined;
    declare gen: number;
    declare reportQuanta: number;
    declare quanta: number;
    declare reportedEvents: number;
    declare alive: boolean;

    constructor(options: { processorOptions: ProcessorOptions }) {
      super();
      const o = options.processorOptions;
      this.playout = new PlayoutClass(o.channels, o.rate, o.tuning);
      this.fifo = o.fifo === undefined ? undefined : new FifoClass(o.fifo, o.channels);
      this.gen = 0;
      this.reportQuanta = o.reportQuanta;
      this.quanta = 0;
      this.reportedEvents = 0;
      this.alive = true;
      this.port.onmessage = (event: MessageEvent<ToWorklet>) => this.message(event.data);
    }

    message(m: ToWorklet): void {
      if (m.type === "data") this.record(m.gen, m.timestampUs, m.samples, 0, m.frames, m.target);
      else if (m.type === "flush") this.generation(m.gen);
      else if (m.type === "close") this.alive = false;
    }

    /** Moves to flush generation `gen` if it is newer; false for a stale one. */
    generation(gen: number): boolean {
      if (gen < this.gen) return false;
      if (gen > this.gen) {
        this.gen = gen;
        this.playout.flush();
      }
      return true;
    }

    record(
      gen: number,
      timestampUs: number,
      samples: Float32Array,
      offset: number,
      frames: number,
      target: number,
    ): void {
      if (this.generation(gen)) this.playout.write(timestampUs, samples, offset, frames, target);
    }

    process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
      const fifo = this.fifo;
      if (fifo !== undefined) {
        this.generation(fifo.generation);
        fifo.drain(this);
      }
      const output = outputs[0];
      if (output === undefined || output.length === 0) return this.alive;
      this.playout.render(output);
      this.quanta++;
      const playout = this.playout;
      if (this.quanta >= this.reportQuanta || playout.events !== this.reportedEvents) {
        this.quanta = 0;
        this.reportedEvents = playout.events;
        const n = (output[0] as Float32Array).length;
        const report: WorkletReport = {
          type: "report",
          gen: this.gen,
          contextTime: scope.currentTime() + n / playout.rate,
          mediaUs: playout.playing ? playout.playheadUs() : Number.NaN,
          playing: playout.playing,
          underruns: playout.underruns,
          framesPlayed: playout.framesWritten,
          framesLate: playout.framesLate,
          bufferedSamples: playout.queued,
          samplesSkipped: playout.samplesSkipped,
        };
        this.port.postMessage(report);
      }
      return this.alive;
    }
  }
  scope.register(name, PlayoutProcessor);
}

/**
 * The worklet module: the classes bound to names of its own (a minifier may have renamed them), then
 * defineProcessor called with the worklet's globals.
 */
export function workletSource(): string {
  return [
    // esbuild's keepNames puts `__name(this, "…")` in class bodies, calling a helper of the bundle
    // (minified too, the helper's name is unknown: keepNames with minify is not supported).
    'const __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true });',
    `const Playout = (${Playout.toString()});`,
    `const SampleFifo = (${SampleFifo.toString()});`,
    `(${defineProcessor.toString()})(`,
    // Wrapped: a global's WebIDL operation called as a method of another object throws "Illegal invocation".
    "  { Base: AudioWorkletProcessor, register: (n, p) => registerProcessor(n, p), currentTime: () => currentTime },",
    `  Playout, SampleFifo, ${JSON.stringify(PROCESSOR_NAME)});`,
  ].join("\n");
}

/**
 * The playout's tuning for a context at `rate` whose device renders `burstSeconds` at a time
 * (AudioContext.baseLatency).
 *
 * The output's needs (outputSamples), and why. The worklet renders 128-sample quanta (2.67 ms at
 * 48 kHz), but not evenly: the device asks for a buffer at a time and its quanta are rendered back to
 * back (measured in headless Chromium on Linux: 3-4 quanta every 10 ms, baseLatency 0.010). Opus
 * frames (20 ms) arrive one at a time, so the queue is a sawtooth; just before the next frame lands
 * it must still hold one device burst, one quantum, the fade-out reserve and the main thread's
 * delivery jitter (decoder output, then the message or FIFO hop). The frame itself is added at
 * start (Playout.tryStart). At 48 kHz with a 10 ms device that is 10 + 2.7 + 3 + 5 = 20.7 ms.
 * Measured (Opus fed at real time, player target 0, runs of 6-10 s, both paths): without the burst
 * term (5.7 ms) 1-5 underruns per run; with it but no jitter term (15.7 ms) 0-2; with all of it 0
 * in every run where the page's main thread did not stall (a stall of 30 ms or more underruns any
 * of these: that is the player's target to absorb). Steady state then: 10-20 ms queued just before a
 * frame lands, 30-50 ms just after; a frame is heard 52-65 ms after it is fed, of which ~40 ms is
 * Chromium's own output path (getOutputTimestamp trails currentTime by baseLatency + outputLatency).
 */
export function playoutTuning(rate: number, burstSeconds: number): PlayoutTuning {
  const fadeSamples = Math.round(rate * FADE_S);
  const quantum = 128;
  const burst = Math.max(quantum, Math.ceil((Number.isFinite(burstSeconds) ? burstSeconds : 0) * rate));
  return {
    fadeSamples,
    outputSamples: burst + quantum + fadeSamples + Math.round(rate * DELIVERY_JITTER_S),
    slackSamples: Math.round(rate * SLACK_S),
    windowSamples: Math.round(rate * WINDOW_S),
    maxGapUs: 100_000,
    resyncBehindUs: 1_000_000,
  };
}

/** Every fade (underrun, flush, gap, skip): 3 ms, long enough not to click, short enough not to be heard as a dip. */
const FADE_S = 0.003;
/** Main-thread delivery jitter allowed for (s). */
const DELIVERY_JITTER_S = 0.005;
/** Excess over low water tolerated before skipping ahead (s). */
const SLACK_S = 0.04;
/** Window for the lowest queue depth (s): many frames, so the sawtooth and bursts do not trigger skips. */
const WINDOW_S = 0.5;
