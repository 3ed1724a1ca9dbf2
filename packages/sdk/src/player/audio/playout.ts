// The audio playout: a ring of decoded samples in timestamp order, read one render quantum at a time
// by the AudioWorklet. Pure logic (no DOM, no Web Audio), so it runs under Vitest on Node; the
// worklet runs this very class, serialised with Function.prototype.toString() (see processor.ts).
//
// Because of that serialisation the class must not reach anything outside its own body: no imports,
// no module-level constants, no `#private` members or field initialisers (a bundler that targets an
// older ECMAScript turns those into helper functions defined outside the class). Fields are therefore
// `declare`d (no emitted code) and assigned in the constructor.
//
// Terms: a "position" counts samples (per channel) written to the ring since it was created; the
// queue is [readPos, writePos). Each written frame leaves an anchor (its position and its publisher
// timestamp), so the timestamp of any queued sample is known even where jitter was absorbed.

/** Playout tuning, in samples unless named otherwise (playoutTuning() gives the defaults and their reasons). */
export interface PlayoutTuning {
  /** Length of every fade-in, fade-out and cross-fade. */
  fadeSamples: number;
  /**
   * What the output needs queued beyond the player's target: the render bursts of the audio device,
   * one render quantum, the fade-out reserve and the main thread's delivery jitter. With the target,
   * the lowest the queue may get while playing ("low water").
   */
  outputSamples: number;
  /** How far the lowest queue depth over a window may exceed low water before the playout skips ahead. */
  slackSamples: number;
  /** The window over which that lowest depth is taken. */
  windowSamples: number;
  /** The largest timestamp gap (µs) filled with silence; a bigger one restarts the timeline at the new frame. */
  maxGapUs: number;
  /** A frame this far (µs) before the queue's end is a straggler, unless the next frame follows it (a restarted clock). */
  resyncBehindUs: number;
}

export class Playout {
  declare readonly channels: number;
  declare readonly rate: number;
  declare tuning: PlayoutTuning;

  /** Planar ring: channel c at [c * capacity, (c + 1) * capacity). */
  declare ring: Float32Array;
  declare capacity: number;
  declare readPos: number;
  declare writePos: number;
  /** The publisher timestamp (µs) the next written sample would have if contiguous. */
  declare writeTs: number;
  /** False until the first frame, and after a flush. */
  declare anchored: boolean;

  /** Anchors (position, timestamp) in a ring; the oldest one covers readPos. */
  declare anchorPos: Float64Array;
  declare anchorTs: Float64Array;
  declare anchorHead: number;
  declare anchorCount: number;

  /** The player's target (samples), from the latest frame. */
  declare target: number;
  /** Samples per channel of the latest frame (the queue's sawtooth: it drops this much between arrivals). */
  declare lastFrames: number;

  declare playing: boolean;
  /** Gain of the fade-in under way (1 when none). */
  declare gain: number;

  /** Samples to output before anything else (a fade-out or a cross-fade), planar with stride fadeSamples. */
  declare tail: Float32Array;
  declare tailLen: number;
  declare tailPos: number;

  declare windowMin: number;
  declare windowElapsed: number;
  /** Where the last far-behind frame ended (µs), NaN when the last frame was not far behind. */
  declare behindEndUs: number;

  /** Dry spells while playing (each counted once). */
  declare underruns: number;
  /** Frames accepted into the queue. */
  declare framesWritten: number;
  /** Frames dropped as older than what was already queued or played. */
  declare framesLate: number;
  /** Samples dropped to keep the queue at its target (skip-ahead, start, overflow). */
  declare samplesSkipped: number;
  /** Bumped at every start, underrun, skip and flush: the processor reports at once when it changes. */
  declare events: number;

  constructor(channels: number, rate: number, tuning: PlayoutTuning) {
    if (!Number.isInteger(channels) || channels < 1 || channels > 32) {
      throw new RangeError(`channels must be an integer in 1..32, got ${channels}`);
    }
    if (!(rate >= 3000 && rate <= 768000)) throw new RangeError(`sample rate out of range: ${rate}`);
    if (!(tuning.fadeSamples >= 1) || !(tuning.outputSamples > tuning.fadeSamples)) {
      throw new RangeError("tuning: need 1 <= fadeSamples < outputSamples");
    }
    this.channels = channels;
    this.rate = rate;
    this.tuning = tuning;
    let capacity = 1024;
    while (capacity < rate) capacity *= 2;
    this.capacity = capacity;
    this.ring = new Float32Array(channels * capacity);
    this.readPos = 0;
    this.writePos = 0;
    this.writeTs = 0;
    this.anchored = false;
    this.anchorPos = new Float64Array(256);
    this.anchorTs = new Float64Array(256);
    this.anchorHead = 0;
    this.anchorCount = 0;
    this.target = 0;
    this.lastFrames = 0;
    this.playing = false;
    this.gain = 0;
    this.tail = new Float32Array(channels * tuning.fadeSamples);
    this.tailLen = 0;
    this.tailPos = 0;
    this.windowMin = Number.POSITIVE_INFINITY;
    this.windowElapsed = 0;
    this.behindEndUs = Number.NaN;
    this.underruns = 0;
    this.framesWritten = 0;
    this.framesLate = 0;
    this.samplesSkipped = 0;
    this.events = 0;
  }

  /** Samples queued (per channel). */
  get queued(): number {
    return this.writePos - this.readPos;
  }

  /** The lowest the queue may get while playing (samples). */
  get lowWater(): number {
    return this.target + this.tuning.outputSamples;
  }

  /** The publisher timestamp (µs) of the next sample to play; NaN before the first frame and after a flush. */
  playheadUs(): number {
    if (this.anchorCount === 0) return Number.NaN;
    const head = this.anchorHead;
    return (this.anchorTs[head] as number) + ((this.readPos - (this.anchorPos[head] as number)) * 1e6) / this.rate;
  }

  /**
   * Queues one decoded frame: `frames` samples per channel, planar in `samples` from `offset` (channel
   * c at offset + c * frames). `targetSamples` is the player's current target. Returns false when the
   * frame is dropped as late.
   */
  write(timestampUs: number, samples: Float32Array, offset: number, frames: number, targetSamples: number): boolean {
    this.target = targetSamples > 0 ? Math.round(targetSamples) : 0;
    if (
      !(frames > 0 && frames <= this.rate * 8) ||
      !Number.isFinite(timestampUs) ||
      offset + frames * this.channels > samples.length
    ) {
      return false;
    }
    const rate = this.rate;
    const frameUs = (frames * 1e6) / rate;
    // Jitter of up to half a frame is absorbed (the frame is queued contiguously; its anchor keeps the
    // playhead exact). A lost frame is a whole frame: filled with silence, so later samples keep their time.
    const tolerance = frameUs / 2;
    const joined = this.anchored;
    let splice = !joined;
    let gap = 0;
    let skip = 0;
    if (joined) {
      const delta = timestampUs - this.writeTs;
      if (delta > this.tuning.maxGapUs) {
        splice = true;
      } else if (delta > tolerance) {
        gap = Math.round((delta * rate) / 1e6);
      } else if (delta < -tolerance) {
        if (delta < -this.tuning.resyncBehindUs) {
          // Far behind: a straggler, or a publisher that restarted its clock; only the latter is
          // followed by a frame that continues it.
          const follows = Math.abs(timestampUs - this.behindEndUs) <= tolerance;
          this.behindEndUs = timestampUs + frameUs;
          if (!follows) {
            this.framesLate++;
            return false;
          }
          splice = true;
        } else if (delta + frameUs <= tolerance) {
          this.framesLate++;
          return false;
        } else {
          skip = Math.min(frames - 1, Math.round((-delta * rate) / 1e6));
        }
      }
    }
    this.behindEndUs = Number.NaN;
    const count = frames - skip;
    if (joined && (gap > 0 || splice)) this.fadeOutQueuedEnd();
    this.reserve(gap + count);
    const capacity = this.capacity;
    const ring = this.ring;
    for (let c = 0; c < this.channels; c++) {
      const base = c * capacity;
      for (let j = 0; j < gap; j++) ring[base + ((this.writePos + j) % capacity)] = 0;
    }
    this.writePos += gap;
    const start = this.writePos;
    const fade = joined && (gap > 0 || splice) ? Math.min(this.tuning.fadeSamples, count) : 0;
    for (let c = 0; c < this.channels; c++) {
      const base = c * capacity;
      const from = offset + c * frames + skip;
      for (let j = 0; j < count; j++) {
        const value = samples[from + j] as number;
        ring[base + ((start + j) % capacity)] = j < fade ? (value * (j + 1)) / (fade + 1) : value;
      }
    }
    this.pushAnchor(start, timestampUs + (skip * 1e6) / rate);
    this.writePos += count;
    this.writeTs = timestampUs + frameUs;
    this.anchored = true;
    this.lastFrames = frames;
    this.framesWritten++;
    return true;
  }

  /** Drops everything queued: what is playing fades out over the next fade length; then silence until refilled. */
  flush(): void {
    if (this.tailPos < this.tailLen) {
      // A fade or cross-fade is under way: bring what is left of it down to zero.
      const left = this.tailLen - this.tailPos;
      const stride = this.tuning.fadeSamples;
      for (let c = 0; c < this.channels; c++) {
        for (let j = 0; j < left; j++) {
          const k = c * stride + this.tailPos + j;
          this.tail[k] = ((this.tail[k] as number) * (left - 1 - j)) / left;
        }
      }
    } else if (this.playing) {
      this.fadeOutHead();
    }
    this.readPos = this.writePos;
    this.anchorCount = 0;
    this.anchored = false;
    this.playing = false;
    this.gain = 0;
    this.behindEndUs = Number.NaN;
    this.resetWindow();
    this.events++;
  }

  /** Fills `output` (one array per channel, all one render quantum long). */
  render(output: Float32Array[]): void {
    const n = output[0]?.length ?? 0;
    let i = this.drainTail(output, 0, n);
    if (i < n && !this.playing) this.tryStart();
    if (i < n && this.playing) {
      this.checkDrift(n - i);
      i = this.drainTail(output, i, n);
      const want = n - i;
      if (this.queued >= want + this.tuning.fadeSamples) {
        this.copyOut(output, i, want);
        i = n;
      } else {
        // Running dry: fade out over the reserve (always there: a quantum is played only when a fade
        // length remains behind it), then silence until the queue is back at its target.
        this.fadeOutHead();
        this.playing = false;
        this.underruns++;
        this.events++;
        i = this.drainTail(output, i, n);
      }
    }
    for (let c = 0; c < output.length; c++) (output[c] as Float32Array).fill(0, i, n);
  }

  /** Starts once the queue holds the target, the output's needs, and one frame (what drains before the next arrives). */
  tryStart(): void {
    if (!this.anchored) return;
    const start = this.lowWater + this.lastFrames;
    const queued = this.queued;
    if (queued < start) return;
    // A backlog (after a stall, or frames decoded in a burst) is skipped: play the newest audio.
    if (queued > start) {
      this.samplesSkipped += queued - start;
      this.advance(queued - start);
    }
    this.playing = true;
    this.gain = 0;
    this.resetWindow();
    this.events++;
  }

  /** Skips ahead (with a cross-fade) when the queue stayed above low water plus the slack for a whole window. */
  checkDrift(n: number): void {
    const queued = this.queued;
    if (queued < this.windowMin) this.windowMin = queued;
    this.windowElapsed += n;
    if (this.windowElapsed < this.tuning.windowSamples) return;
    const excess = this.windowMin - this.lowWater;
    this.resetWindow();
    const fade = this.tuning.fadeSamples;
    if (excess <= this.tuning.slackSamples || queued < excess + 2 * fade + n) return;
    const capacity = this.capacity;
    const from = this.readPos;
    for (let c = 0; c < this.channels; c++) {
      const base = c * capacity;
      for (let j = 0; j < fade; j++) {
        const w = (j + 1) / (fade + 1);
        const a = this.ring[base + ((from + j) % capacity)] as number;
        const b = this.ring[base + ((from + excess + j) % capacity)] as number;
        this.tail[c * fade + j] = (a * (1 - w) + b * w) * this.gainAt(j);
      }
    }
    this.gain = this.gainAt(fade - 1);
    this.tailLen = fade;
    this.tailPos = 0;
    this.samplesSkipped += excess;
    this.advance(excess + fade);
    this.events++;
  }

  resetWindow(): void {
    this.windowMin = Number.POSITIVE_INFINITY;
    this.windowElapsed = 0;
  }

  /** The fade-in gain of the j-th next sample. */
  gainAt(j: number): number {
    const g = this.gain + (j + 1) / this.tuning.fadeSamples;
    return Math.min(g, 1);
  }

  /** Plays `count` queued samples into output[...][at, at + count), with the fade-in under way. */
  copyOut(output: Float32Array[], at: number, count: number): void {
    const capacity = this.capacity;
    const from = this.readPos;
    const fading = this.gain < 1;
    for (let c = 0; c < output.length; c++) {
      const out = output[c] as Float32Array;
      const base = (c < this.channels ? c : 0) * capacity;
      for (let j = 0; j < count; j++) {
        const value = this.ring[base + ((from + j) % capacity)] as number;
        out[at + j] = fading ? value * this.gainAt(j) : value;
      }
    }
    if (fading) this.gain = this.gainAt(count - 1);
    this.advance(count);
  }

  /** Moves the next fade length of the queue (or what there is) into the tail, fading to zero. */
  fadeOutHead(): void {
    const fade = this.tuning.fadeSamples;
    const count = Math.min(this.queued, fade);
    const capacity = this.capacity;
    for (let c = 0; c < this.channels; c++) {
      const base = c * capacity;
      for (let j = 0; j < count; j++) {
        const value = this.ring[base + ((this.readPos + j) % capacity)] as number;
        this.tail[c * fade + j] = (value * this.gainAt(j) * (count - 1 - j)) / count;
      }
    }
    this.tailLen = count;
    this.tailPos = 0;
    this.gain = 0;
    this.advance(count);
  }

  /** Fades the last queued samples to zero, before a gap or a new timeline is appended. */
  fadeOutQueuedEnd(): void {
    const count = Math.min(this.queued, this.tuning.fadeSamples);
    const capacity = this.capacity;
    for (let c = 0; c < this.channels; c++) {
      const base = c * capacity;
      for (let j = 0; j < count; j++) {
        const k = base + ((this.writePos - count + j) % capacity);
        this.ring[k] = ((this.ring[k] as number) * (count - 1 - j)) / count;
      }
    }
  }

  /** Copies pending tail samples into output[...][at, n); returns where output continues. */
  drainTail(output: Float32Array[], at: number, n: number): number {
    const count = Math.min(this.tailLen - this.tailPos, n - at);
    if (count <= 0) return at;
    const stride = this.tuning.fadeSamples;
    for (let c = 0; c < output.length; c++) {
      const out = output[c] as Float32Array;
      const base = (c < this.channels ? c : 0) * stride + this.tailPos;
      for (let j = 0; j < count; j++) out[at + j] = this.tail[base + j] as number;
    }
    this.tailPos += count;
    if (this.tailPos >= this.tailLen) {
      this.tailPos = 0;
      this.tailLen = 0;
    }
    return at + count;
  }

  /** Consumes `count` queued samples and forgets the anchors they passed. */
  advance(count: number): void {
    this.readPos += count;
    while (this.anchorCount > 1) {
      const next = (this.anchorHead + 1) % this.anchorPos.length;
      if ((this.anchorPos[next] as number) > this.readPos) break;
      this.anchorHead = next;
      this.anchorCount--;
    }
  }

  pushAnchor(pos: number, ts: number): void {
    let size = this.anchorPos.length;
    if (this.anchorCount === size) {
      const positions = new Float64Array(size * 2);
      const stamps = new Float64Array(size * 2);
      for (let k = 0; k < size; k++) {
        positions[k] = this.anchorPos[(this.anchorHead + k) % size] as number;
        stamps[k] = this.anchorTs[(this.anchorHead + k) % size] as number;
      }
      this.anchorPos = positions;
      this.anchorTs = stamps;
      this.anchorHead = 0;
      size *= 2;
    }
    const at = (this.anchorHead + this.anchorCount) % size;
    this.anchorPos[at] = pos;
    this.anchorTs[at] = ts;
    this.anchorCount++;
  }

  /** Makes room for `extra` more samples: the ring doubles up to ~32 s; beyond that the oldest are dropped. */
  reserve(extra: number): void {
    const needed = this.queued + extra;
    if (needed <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < needed && capacity < this.rate * 32) capacity *= 2;
    if (capacity < needed) {
      this.samplesSkipped += needed - capacity;
      this.advance(needed - capacity);
    }
    if (capacity === this.capacity) return;
    const ring = new Float32Array(this.channels * capacity);
    for (let c = 0; c < this.channels; c++) {
      for (let pos = this.readPos; pos < this.writePos; pos++) {
        ring[c * capacity + (pos % capacity)] = this.ring[c * this.capacity + (pos % this.capacity)] as number;
      }
    }
    this.ring = ring;
    this.capacity = capacity;
  }
}
