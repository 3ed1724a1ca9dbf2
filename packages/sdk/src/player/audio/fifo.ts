// Decoded frames from the main thread to the AudioWorklet through a SharedArrayBuffer (used when the
// page is crossOriginIsolated): a single-producer single-consumer queue of records, so the audio
// thread takes frames without a message, a copy into a new buffer or garbage. Serialised into the
// worklet with toString() like Playout: same rules (nothing outside the class body, fields `declare`d).
//
// Layout: a 16-byte control block (Int32: WRITE, READ, GEN), then `capacity` Float32 slots. A record
// is an 8-slot header (Float64: generation, timestamp µs, frames, target samples) and the planar
// samples, padded to a multiple of 8 slots so the next header stays 8-byte aligned. A record never
// wraps: when it does not fit before the end, a header with generation -1 sends the reader to slot 0.
// WRITE and READ are only ever stored with Atomics after the slots they cover are written or read,
// which orders the plain accesses to the slots. A flush bumps GEN: the reader drops older records.

/** What the reader hands each record to. */
export interface FifoSink {
  record(gen: number, timestampUs: number, samples: Float32Array, offset: number, frames: number, target: number): void;
}

/** Bytes of a FIFO of `slots` Float32 slots (rounded up to a multiple of 8). */
export function fifoBytes(slots: number): number {
  return 16 + Math.ceil(slots / 8) * 8 * 4;
}

export class SampleFifo {
  declare readonly channels: number;
  declare readonly capacity: number;
  declare readonly control: Int32Array;
  declare readonly data: Float32Array;
  declare readonly header: Float64Array;
  /** Writer side: where reserve() placed the pending record (-1: none), and whether it wraps. */
  declare pendingAt: number;
  declare pendingFrames: number;

  constructor(buffer: SharedArrayBuffer | ArrayBuffer, channels: number) {
    const capacity = Math.floor((buffer.byteLength - 16) / 32) * 8;
    if (capacity < 64) throw new RangeError("fifo buffer too small");
    this.channels = channels;
    this.capacity = capacity;
    this.control = new Int32Array(buffer, 0, 4);
    this.data = new Float32Array(buffer, 16, capacity);
    this.header = new Float64Array(buffer, 16, capacity / 2);
    this.pendingAt = -1;
    this.pendingFrames = 0;
  }

  /** Slots a record of `frames` samples per channel takes. */
  size(frames: number): number {
    return 8 + Math.ceil((frames * this.channels) / 8) * 8;
  }

  /**
   * Writer: room for a record of `frames` samples per channel. Returns the view to fill (planar,
   * channel c at [c * frames, (c + 1) * frames)), or undefined when the FIFO is full (the worklet is
   * not draining it). Publish it with commit().
   */
  reserve(frames: number): Float32Array | undefined {
    const size = this.size(frames);
    const capacity = this.capacity;
    const write = Atomics.load(this.control, 0);
    const read = Atomics.load(this.control, 1);
    let at = -1;
    // WRITE must never catch up with READ: equal means empty.
    if (write >= read) {
      if (write + size < capacity || (write + size === capacity && read > 0)) at = write;
      else if (size < read) at = 0;
    } else if (write + size < read) {
      at = write;
    }
    if (at < 0) return undefined;
    this.pendingAt = at;
    this.pendingFrames = frames;
    return this.data.subarray(at + 8, at + 8 + frames * this.channels);
  }

  /** Writer: publishes the record reserve() gave out. */
  commit(gen: number, timestampUs: number, target: number): void {
    const at = this.pendingAt;
    if (at < 0) throw new Error("commit without reserve");
    const write = Atomics.load(this.control, 0);
    if (at !== write) this.header[write / 2] = -1;
    const h = at / 2;
    this.header[h] = gen;
    this.header[h + 1] = timestampUs;
    this.header[h + 2] = this.pendingFrames;
    this.header[h + 3] = target;
    const next = at + this.size(this.pendingFrames);
    this.pendingAt = -1;
    Atomics.store(this.control, 0, next === this.capacity ? 0 : next);
  }

  /** The flush generation (the writer bumps it; records of an older one are stale). */
  get generation(): number {
    return Atomics.load(this.control, 2);
  }

  set generation(gen: number) {
    Atomics.store(this.control, 2, gen);
  }

  /** Reader: hands every published record to `sink`, then frees their slots. */
  drain(sink: FifoSink): void {
    let read = Atomics.load(this.control, 1);
    const write = Atomics.load(this.control, 0);
    while (read !== write) {
      const h = read / 2;
      const gen = this.header[h] as number;
      if (gen < 0) {
        read = 0;
        continue;
      }
      const frames = this.header[h + 2] as number;
      sink.record(gen, this.header[h + 1] as number, this.data, read + 8, frames, this.header[h + 3] as number);
      read += this.size(frames);
      if (read === this.capacity) read = 0;
    }
    Atomics.store(this.control, 1, read);
  }
}
