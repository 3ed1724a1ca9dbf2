// The SharedArrayBuffer FIFO: records come out whole and in order across wrap-arounds, a full FIFO
// refuses a record instead of overwriting unread ones, and the generation travels beside them.
import { describe, expect, it } from "vitest";
import { type FifoSink, fifoBytes, SampleFifo } from "./fifo.ts";

interface Got {
  gen: number;
  timestampUs: number;
  frames: number;
  target: number;
  samples: number[];
}

function collector(): FifoSink & { got: Got[] } {
  const got: Got[] = [];
  return {
    got,
    record(gen, timestampUs, samples, offset, frames, target) {
      got.push({ gen, timestampUs, frames, target, samples: [...samples.subarray(offset, offset + frames * 2)] });
    },
  };
}

function push(fifo: SampleFifo, frames: number, timestampUs: number, gen = 0): boolean {
  const view = fifo.reserve(frames);
  if (view === undefined) return false;
  // Small values (exact in Float32) that say which record and which slot they are.
  const seed = (timestampUs % 1000) * 1000;
  for (let k = 0; k < view.length; k++) view[k] = seed + k;
  fifo.commit(gen, timestampUs, frames * 10);
  return true;
}

describe("SampleFifo", () => {
  it("hands over records whole and in order, across many wrap-arounds", () => {
    const buffer = new SharedArrayBuffer(fifoBytes(1000));
    const writer = new SampleFifo(buffer, 2);
    const reader = new SampleFifo(buffer, 2);
    const sink = collector();
    let sent = 0;
    // Sizes that do not divide the capacity, so records meet the end at every offset.
    for (let round = 0; round < 500; round++) {
      const frames = 17 + ((round * 37) % 150);
      expect(push(writer, frames, 1_700_000_000_000_000 + round * 1001)).toBe(true);
      sent++;
      if (round % 3 === 2) reader.drain(sink);
    }
    reader.drain(sink);
    expect(sink.got).toHaveLength(sent);
    sink.got.forEach((got, round) => {
      const frames = 17 + ((round * 37) % 150);
      const timestampUs = 1_700_000_000_000_000 + round * 1001;
      expect(got.timestampUs).toBe(timestampUs); // Float64 header: Unix µs survive exactly
      expect(got.frames).toBe(frames);
      expect(got.target).toBe(frames * 10);
      expect(got.samples.length).toBe(frames * 2);
      const seed = (timestampUs % 1000) * 1000;
      expect(got.samples.filter((value, k) => value !== seed + k)).toEqual([]);
    });
  });

  it("refuses a record when full, never overwriting what the reader has not taken", () => {
    const buffer = new SharedArrayBuffer(fifoBytes(512));
    const writer = new SampleFifo(buffer, 1);
    const reader = new SampleFifo(buffer, 1);
    let accepted = 0;
    while (accepted < 100 && push(writer, 56, accepted)) accepted++; // 64 slots each
    expect(accepted).toBe(7); // 512 slots: 8 records would make WRITE meet READ (empty)
    const sink = collector();
    reader.drain(sink);
    expect(sink.got.map((got) => got.timestampUs)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(push(writer, 56, 7)).toBe(true); // room again, wrapping to the start
    reader.drain(sink);
    expect(sink.got.at(-1)?.timestampUs).toBe(7);
  });

  it("refuses a record that would wrap onto slots the reader has not freed", () => {
    const buffer = new SharedArrayBuffer(fifoBytes(512));
    const writer = new SampleFifo(buffer, 1);
    const reader = new SampleFifo(buffer, 1);
    const sink = collector();
    for (let k = 0; k < 6; k++) expect(push(writer, 56, k)).toBe(true); // slots 0..383
    const one: FifoSink = {
      record: (gen, timestampUs) => sink.got.push({ gen, timestampUs, frames: 0, target: 0, samples: [] }),
    };
    // Take just the first record: READ moves to 64.
    const control = new Int32Array(buffer, 0, 2);
    const write = Atomics.load(control, 0);
    Atomics.store(control, 0, 64);
    reader.drain(one);
    Atomics.store(control, 0, write);
    expect(push(writer, 112, 6)).toBe(true); // slots 384..503
    // 64 more slots do not fit before the end, and wrapping would reach READ (64): refused.
    expect(push(writer, 56, 7)).toBe(false);
    reader.drain(sink);
    expect(sink.got.map((got) => got.timestampUs)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(push(writer, 56, 7)).toBe(true); // READ is at 504 now: wraps to 0
    reader.drain(sink);
    expect(sink.got.at(-1)?.timestampUs).toBe(7);
  });

  it("carries the flush generation, and refuses a commit without a reserve", () => {
    const buffer = new SharedArrayBuffer(fifoBytes(512));
    const writer = new SampleFifo(buffer, 1);
    const reader = new SampleFifo(buffer, 1);
    push(writer, 10, 1, 0);
    writer.generation = 3;
    push(writer, 10, 2, 3);
    expect(reader.generation).toBe(3);
    const sink = collector();
    reader.drain(sink);
    expect(sink.got.map((got) => got.gen)).toEqual([0, 3]);
    expect(() => writer.commit(3, 0, 0)).toThrow("commit without reserve");
  });
});
