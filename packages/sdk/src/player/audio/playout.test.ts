// The playout logic with fake input: small numbers (8 kHz, 40-sample frames of 5 ms, 8-sample render
// quanta, 8-sample fades) so every position can be worked out by hand.
import { describe, expect, it } from "vitest";
import { Playout, type PlayoutTuning } from "./playout.ts";

const RATE = 8000;
const FRAME = 40;
const FRAME_US = 5000;
const QUANTUM = 8;
const FADE = 8;
const TUNING: PlayoutTuning = {
  fadeSamples: FADE,
  outputSamples: 32,
  slackSamples: 40,
  windowSamples: 400,
  maxGapUs: 100_000,
  resyncBehindUs: 1_000_000,
};

/** A ramp: sample i of the stream is i / 10000, so every output sample says where it came from. */
const ramp = (i: number): number => i * 1e-4;
const dc = (): number => 0.5;

function frameAt(index: number, signal: (i: number) => number = ramp, frames = FRAME): Float32Array {
  const samples = new Float32Array(frames);
  for (let j = 0; j < frames; j++) samples[j] = signal(index * FRAME + j);
  return samples;
}

function write(p: Playout, index: number, signal: (i: number) => number = ramp, target = 0): boolean {
  return p.write(index * FRAME_US, frameAt(index, signal), 0, FRAME, target);
}

/** Renders `quanta` render quanta and returns channel 0 of all of them. */
function render(p: Playout, quanta: number): number[] {
  const out: number[] = [];
  for (let q = 0; q < quanta; q++) {
    const quantum = [new Float32Array(QUANTUM)];
    p.render(quantum);
    out.push(...(quantum[0] as Float32Array));
  }
  return out;
}

/** Feeds frames first..last one by one, rendering one frame's worth (5 quanta) after each. */
function feed(p: Playout, first: number, last: number, signal: (i: number) => number = ramp): number[] {
  const out: number[] = [];
  for (let index = first; index <= last; index++) {
    write(p, index, signal);
    out.push(...render(p, FRAME / QUANTUM));
  }
  return out;
}

function largestStep(samples: number[]): number {
  let largest = 0;
  for (let k = 1; k < samples.length; k++) {
    largest = Math.max(largest, Math.abs((samples[k] as number) - (samples[k - 1] as number)));
  }
  return largest;
}

/** Output index of stream sample i, given where the output started. */
const at = (out: number[], value: number): number => out.findIndex((v) => Math.abs(v - value) < 1e-7);

describe("Playout", () => {
  it("starts once the queue holds the target, the output's needs and one frame, newest audio first", () => {
    const p = new Playout(1, RATE, TUNING);
    write(p, 0);
    expect(render(p, 1).every((v) => v === 0)).toBe(true);
    expect(p.playing).toBe(false);
    write(p, 1); // 80 queued ≥ 0 + 32 + 40
    const out = render(p, 1);
    expect(p.playing).toBe(true);
    expect(p.samplesSkipped).toBe(8); // started at 72 queued: the 8 oldest samples go
    // Fade-in from the 9th sample: gain (j + 1) / 8.
    for (let j = 0; j < QUANTUM; j++) expect(out[j]).toBeCloseTo(ramp(8 + j) * Math.min(1, (j + 1) / FADE), 7);

    // With a target of 40 samples, it waits for 32 + 40 + 40 = 112.
    const q = new Playout(1, RATE, TUNING);
    for (let index = 0; index < 2; index++) q.write(index * FRAME_US, frameAt(index), 0, FRAME, 40);
    render(q, 1);
    expect(q.playing).toBe(false);
    q.write(2 * FRAME_US, frameAt(2), 0, FRAME, 40);
    render(q, 1);
    expect(q.playing).toBe(true);
  });

  it("plays the frames in timestamp order, sample after sample", () => {
    const p = new Playout(1, RATE, TUNING);
    const out = feed(p, 0, 60);
    const start = at(out, ramp(8 + FADE)); // the first sample after the fade-in
    expect(start).toBeGreaterThan(0);
    const played = out.slice(start);
    expect(played.length).toBeGreaterThan(50 * FRAME);
    for (let k = 0; k < played.length; k++) expect(played[k]).toBeCloseTo(ramp(8 + FADE + k), 7);
    expect(p.underruns).toBe(0);
    expect(p.framesWritten).toBe(61);
    // The queue's sawtooth stays at low water (32) just before each frame lands.
    expect(p.queued).toBe(32);
  });

  it("drops a frame older than what was already queued or played", () => {
    const p = new Playout(1, RATE, TUNING);
    const out = feed(p, 0, 5);
    expect(write(p, 4)).toBe(false); // a duplicate of a queued frame
    expect(write(p, 0)).toBe(false); // long played
    // Starts 30 samples before the queue's end: only 10 new samples, within half a frame of it.
    expect(p.write(6 * FRAME_US - 3750, frameAt(6), 0, FRAME, 0)).toBe(false);
    expect(p.framesLate).toBe(3);
    out.push(...feed(p, 6, 12));
    const start = at(out, ramp(8 + FADE));
    out.slice(start).forEach((v, k) => {
      expect(v).toBeCloseTo(ramp(8 + FADE + k), 7);
    });
  });

  it("fills a lost frame with silence, so that later samples keep their time", () => {
    const p = new Playout(1, RATE, TUNING);
    const out = feed(p, 0, 4);
    write(p, 6); // frame 5 is lost: 40 samples of silence first
    out.push(...render(p, 5));
    out.push(...feed(p, 7, 12));
    const start = at(out, ramp(8 + FADE)) - (8 + FADE); // output index of stream sample 0
    const sample = (i: number): number => out[start + i] as number;
    for (let i = 5 * FRAME; i < 6 * FRAME; i++) expect(sample(i)).toBe(0);
    // Faded out before the gap, faded in after it, in place otherwise.
    expect(Math.abs(sample(5 * FRAME - 1))).toBeLessThan(1e-9);
    expect(sample(5 * FRAME - FADE - 1)).toBeCloseTo(ramp(5 * FRAME - FADE - 1), 7);
    expect(sample(6 * FRAME)).toBeCloseTo(ramp(6 * FRAME) / (FADE + 1), 7);
    expect(out.length - start).toBeGreaterThan(10 * FRAME);
    for (let i = 6 * FRAME + FADE; i < out.length - start; i++) expect(sample(i)).toBeCloseTo(ramp(i), 7);
    expect(p.underruns).toBe(0);
  });

  it("restarts the timeline right after what is queued when the gap is over 100 ms", () => {
    const p = new Playout(1, RATE, TUNING);
    const out = feed(p, 0, 4);
    // 200 ms later: no silence; the frame follows frame 4 at once, under its own timestamp.
    const jumpUs = 5 * FRAME_US + 200_000;
    p.write(jumpUs, frameAt(5), 0, FRAME, 0);
    out.push(...render(p, 5));
    for (let index = 6; index <= 9; index++) {
      p.write(jumpUs + (index - 5) * FRAME_US, frameAt(index), 0, FRAME, 0);
      out.push(...render(p, 5));
    }
    const start = at(out, ramp(8 + FADE)) - (8 + FADE);
    expect(out[start + 5 * FRAME + FADE]).toBeCloseTo(ramp(5 * FRAME + FADE), 7);
    // The playhead runs on the new timeline: queued now, 32 samples before the end of frame 9.
    expect(p.playheadUs()).toBeCloseTo(jumpUs + 5 * FRAME_US - (32 * 1e6) / RATE, 3);
    expect(p.underruns).toBe(0);
  });

  it("counts one underrun per dry spell, fading out and back in without a jump", () => {
    const p = new Playout(1, RATE, TUNING);
    const out = feed(p, 0, 5, dc);
    out.push(...render(p, 40)); // nothing comes for 40 quanta
    expect(p.underruns).toBe(1);
    expect(p.playing).toBe(false);
    expect(out.slice(-20).every((v) => v === 0)).toBe(true);
    // Refilled to the target: it fades back in; a second dry spell is a second underrun.
    out.push(...feed(p, 6, 12, dc));
    expect(p.playing).toBe(true);
    expect(out.at(-1)).toBeCloseTo(0.5, 7);
    out.push(...render(p, 40));
    expect(p.underruns).toBe(2);
    // The largest step anywhere, fades included, is one fade step of the 0.5 signal: no click.
    expect(largestStep(out)).toBeLessThanOrEqual(0.5 / FADE + 1e-6);
    expect(Math.max(...out)).toBeCloseTo(0.5, 7);
  });

  it("skips ahead to the target when the queue stays above it plus the slack", () => {
    const p = new Playout(1, RATE, TUNING);
    const out = feed(p, 0, 30, dc);
    expect(p.samplesSkipped).toBe(8); // only at start: a steady feed never skips
    // A burst: 10 frames at once, 50 ms more queued than the target needs.
    for (let index = 31; index <= 40; index++) write(p, index, dc);
    const before = p.playheadUs();
    out.push(...feed(p, 41, 80, dc));
    const skipped = p.samplesSkipped - 8;
    expect(skipped).toBeGreaterThanOrEqual(400);
    expect(skipped).toBeLessThanOrEqual(400 + FRAME);
    // Back at low water (at the start of the quantum before each frame lands), as before the burst.
    expect(p.queued + QUANTUM).toBeLessThanOrEqual(p.lowWater + TUNING.slackSamples);
    expect(p.queued + QUANTUM).toBeGreaterThanOrEqual(p.lowWater);
    // The playhead jumped by what was skipped (40 frames were played in between).
    expect(p.playheadUs() - before).toBeCloseTo(((40 * FRAME + skipped) * 1e6) / RATE, 3);
    expect(largestStep(out)).toBeLessThanOrEqual(0.5 / FADE + 1e-6);
    expect(p.underruns).toBe(0);
  });

  it("cross-fades when it skips, so a moving signal does not jump", () => {
    const p = new Playout(1, RATE, TUNING);
    const sine = (i: number): number => 0.5 * Math.sin((2 * Math.PI * 440 * i) / RATE);
    const out = feed(p, 0, 10, sine);
    for (let index = 11; index <= 20; index++) write(p, index, sine);
    out.push(...feed(p, 21, 60, sine));
    expect(p.samplesSkipped).toBeGreaterThan(400);
    // A 440 Hz sine at 8 kHz moves up to 0.17 per sample; a bare jump between two phases is up to 1.
    expect(largestStep(out)).toBeLessThan(0.25);
  });

  it("flush fades out what plays and empties the queue, without counting an underrun", () => {
    const p = new Playout(1, RATE, TUNING);
    const out = feed(p, 0, 5, dc);
    p.flush();
    expect(p.queued).toBe(0);
    expect(p.playing).toBe(false);
    expect(p.playheadUs()).toBeNaN();
    out.push(...render(p, 5));
    expect(out.slice(-QUANTUM).every((v) => v === 0)).toBe(true);
    expect(largestStep(out)).toBeLessThanOrEqual(0.5 / FADE + 1e-6);
    expect(p.underruns).toBe(0);
    // A new timeline anchors on its first frame, however far back it is.
    p.write(0, frameAt(0, dc), 0, FRAME, 0);
    p.write(FRAME_US, frameAt(1, dc), 0, FRAME, 0);
    render(p, 1);
    expect(p.playing).toBe(true);
    expect(p.playheadUs()).toBeCloseTo(((8 + QUANTUM) * 1e6) / RATE, 3);
  });

  it("drops a frame far behind the queue, unless the next one follows it (a restarted clock)", () => {
    const p = new Playout(1, RATE, TUNING);
    const base = 5_000_000_000; // Unix-like µs
    for (let index = 0; index < 4; index++) p.write(base + index * FRAME_US, frameAt(index), 0, FRAME, 0);
    expect(p.write(1000, frameAt(4), 0, FRAME, 0)).toBe(false); // a straggler...
    expect(p.write(base + 4 * FRAME_US, frameAt(4), 0, FRAME, 0)).toBe(true); // ...and the stream goes on
    expect(p.write(0, frameAt(5), 0, FRAME, 0)).toBe(false);
    expect(p.write(FRAME_US, frameAt(6), 0, FRAME, 0)).toBe(true); // follows the one before: a new clock
    expect(p.framesLate).toBe(2);
  });

  it("absorbs timestamp jitter within half a frame, and the playhead keeps each frame's own timestamp", () => {
    const p = new Playout(1, RATE, TUNING);
    const jitter = [0, 900, -700, 1200, -1100, 300, 0, 800];
    const out: number[] = [];
    for (const [index, offset] of jitter.entries()) {
      p.write(index * FRAME_US + offset, frameAt(index), 0, FRAME, 0);
      out.push(...render(p, 5));
    }
    const start = at(out, ramp(8 + FADE));
    out.slice(start).forEach((v, k) => {
      expect(v).toBeCloseTo(ramp(8 + FADE + k), 7); // contiguous: no silence, nothing trimmed
    });
    // 32 queued: the next sample is frame 7's 9th, stamped from frame 7's own (jittered) timestamp.
    expect(p.queued).toBe(32);
    expect(p.playheadUs()).toBeCloseTo(7 * FRAME_US + 800 + (8 * 1e6) / RATE, 3);
  });

  it("plays several channels, each from its own plane", () => {
    const p = new Playout(2, RATE, TUNING);
    for (let index = 0; index < 3; index++) {
      const planes = new Float32Array(2 * FRAME);
      planes.fill(0.25, 0, FRAME);
      planes.fill(-0.25, FRAME);
      p.write(index * FRAME_US, planes, 0, FRAME, 0);
    }
    for (let q = 0; q < 3; q++) p.render([new Float32Array(QUANTUM), new Float32Array(QUANTUM)]);
    const output = [new Float32Array(QUANTUM), new Float32Array(QUANTUM)];
    p.render(output);
    expect([...(output[0] as Float32Array)]).toEqual(new Array(QUANTUM).fill(0.25));
    expect([...(output[1] as Float32Array)]).toEqual(new Array(QUANTUM).fill(-0.25));
  });
});
