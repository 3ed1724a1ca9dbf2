// The worklet module as the browser gets it: workletSource() evaluated alone (node:vm, a fresh global
// with only fakes of the worklet's globals), so anything it reached outside the serialised classes
// would fail here. Fed both ways: the SharedArrayBuffer FIFO and port messages.
import { createContext, runInContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { fifoBytes, SampleFifo } from "./fifo.ts";
import {
  PROCESSOR_NAME,
  type ProcessorOptions,
  playoutTuning,
  type ToWorklet,
  type WorkletReport,
  workletSource,
} from "./processor.ts";

const RATE = 48000;
const FRAME = 960; // Opus, 20 ms

interface FakePort {
  onmessage: ((event: { data: ToWorklet }) => void) | null;
  postMessage(message: WorkletReport): void;
}

interface FakeProcessor {
  readonly port: FakePort;
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}

/** Evaluates the module; returns a factory for its processor and what it posted. */
function loadWorklet(): {
  name: string;
  create: (options: ProcessorOptions) => FakeProcessor;
  reports: WorkletReport[];
  clock: { time: number };
} {
  const reports: WorkletReport[] = [];
  const clock = { time: 0 };
  let registered:
    | { name: string; ctor: new (options: { processorOptions: ProcessorOptions }) => FakeProcessor }
    | undefined;
  class AudioWorkletProcessor {
    readonly port: FakePort = { onmessage: null, postMessage: (message) => reports.push(message) };
  }
  const globals = {
    AudioWorkletProcessor,
    // Like the browser's: called on anything but the global (or nothing), it throws.
    registerProcessor(
      this: unknown,
      name: string,
      ctor: new (options: { processorOptions: ProcessorOptions }) => FakeProcessor,
    ): void {
      if (this !== undefined && this !== global) throw new TypeError("Illegal invocation");
      registered = { name, ctor };
    },
    get currentTime() {
      return clock.time;
    },
  };
  const context = createContext(globals);
  const global: unknown = runInContext("globalThis", context);
  runInContext(workletSource(), context);
  if (registered === undefined) throw new Error("nothing registered");
  const { name, ctor } = registered;
  return { name, create: (processorOptions) => new ctor({ processorOptions }), reports, clock };
}

function sine(frameIndex: number): Float32Array {
  const samples = new Float32Array(FRAME);
  for (let j = 0; j < FRAME; j++) samples[j] = 0.5 * Math.sin((2 * Math.PI * 440 * (frameIndex * FRAME + j)) / RATE);
  return samples;
}

/**
 * Renders `quanta` quanta, advancing the fake clock; returns the largest absolute sample. Checks that
 * every report gives the context time at the end of the quantum it was sent from.
 */
function run(worklet: ReturnType<typeof loadWorklet>, processor: FakeProcessor, quanta: number): number {
  let peak = 0;
  for (let q = 0; q < quanta; q++) {
    const output = [new Float32Array(128)];
    const reports = worklet.reports.length;
    const start = worklet.clock.time;
    expect(processor.process([], [output])).toBe(true);
    for (const report of worklet.reports.slice(reports)) expect(report.contextTime).toBeCloseTo(start + 128 / RATE, 12);
    worklet.clock.time += 128 / RATE;
    for (const value of output[0] as Float32Array) peak = Math.max(peak, Math.abs(value));
  }
  return peak;
}

const options = (fifo?: SharedArrayBuffer): ProcessorOptions => ({
  channels: 1,
  rate: RATE,
  tuning: playoutTuning(RATE, 0.01),
  reportQuanta: 8,
  ...(fifo === undefined ? {} : { fifo }),
});

describe("the worklet module", () => {
  it("is self-contained and registers the processor", () => {
    const source = workletSource();
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    expect(loadWorklet().name).toBe(PROCESSOR_NAME);
  });

  it("plays frames from the SharedArrayBuffer FIFO, reports, and flushes by generation", () => {
    const worklet = loadWorklet();
    const buffer = new SharedArrayBuffer(fifoBytes(RATE));
    const processor = worklet.create(options(buffer));
    const fifo = new SampleFifo(buffer, 1);
    const t0 = 1_764_000_000_000_000;
    let peak = 0;
    for (let index = 0; index < 20; index++) {
      const view = fifo.reserve(FRAME);
      if (view === undefined) throw new Error("full");
      view.set(sine(index));
      fifo.commit(0, t0 + index * 20_000, 0);
      peak = Math.max(peak, run(worklet, processor, 7 + (index % 2))); // 7.5 quanta per frame
    }
    expect(peak).toBeGreaterThan(0.45);
    const last = worklet.reports.at(-1) as WorkletReport;
    expect(last.playing).toBe(true);
    expect(last.framesPlayed).toBe(20);
    expect(last.underruns).toBe(0);
    // The playhead is on the publisher's clock, and the context time is the end of the quantum.
    expect(last.mediaUs).toBeGreaterThan(t0);
    expect(last.mediaUs).toBeLessThan(t0 + 20 * 20_000);
    expect(last.contextTime).toBeLessThanOrEqual(worklet.clock.time + 1e-9);
    expect(last.contextTime).toBeGreaterThan(worklet.clock.time - (8 * 128) / RATE - 1e-9);
    expect((last.contextTime * RATE) / 128).toBeCloseTo(Math.round((last.contextTime * RATE) / 128), 6);
    // Reports come every 8 quanta (~21 ms), and at once at the start.
    expect(worklet.reports.length).toBeGreaterThanOrEqual(Math.floor((20 * 7.5) / 8));

    fifo.generation = 1;
    run(worklet, processor, 4);
    const flushed = worklet.reports.at(-1) as WorkletReport;
    expect(flushed.gen).toBe(1);
    expect(flushed.playing).toBe(false);
    expect(flushed.bufferedSamples).toBe(0);
    expect(flushed.underruns).toBe(0);
    expect(run(worklet, processor, 4)).toBe(0);
  });

  it("plays frames that come as port messages, dropping those of an older generation", () => {
    const worklet = loadWorklet();
    const processor = worklet.create(options());
    const send = (message: ToWorklet): void => processor.port.onmessage?.({ data: message });
    send({ type: "flush", gen: 2 });
    // Sent before the flush, arriving after it: dropped (it would otherwise start the queue).
    send({ type: "data", gen: 1, timestampUs: -20_000, frames: FRAME, target: 0, samples: sine(0) });
    for (let index = 0; index < 10; index++) {
      send({ type: "data", gen: 2, timestampUs: index * 20_000, frames: FRAME, target: 0, samples: sine(index) });
      run(worklet, processor, 7 + (index % 2));
    }
    const last = worklet.reports.at(-1) as WorkletReport;
    expect(last.framesPlayed).toBe(10); // the stale frame never reached the queue
    expect(last.playing).toBe(true);
    // Stop feeding: one underrun, reported from the very quantum that fades out.
    let quanta = 0;
    while (!worklet.reports.some((report) => report.underruns === 1) && quanta++ < 40) {
      expect(run(worklet, processor, 1)).toBeGreaterThan(0);
    }
    expect((worklet.reports.at(-1) as WorkletReport).playing).toBe(false);
    run(worklet, processor, 40);
    expect((worklet.reports.at(-1) as WorkletReport).underruns).toBe(1);
    send({ type: "close" });
    const output = [new Float32Array(128)];
    expect(processor.process([], [output])).toBe(false);
  });
});
