// VideoFeed with fake segments of real legacy-container chunks (encodeFrame) on Vitest's fake timers.
// Group g's frame i is stamped g * 1000 + i * 33 ms; it is due at that plus the host's `offset`, so
// a large offset keeps the frames on time and a negative one makes them late.
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from "vitest";
import { ContainerError } from "../container/error.ts";
import { encodeFrame } from "../container/legacy.ts";
import { type FeedSegment, STALL_MS, VideoFeed } from "./video-feed.ts";

/** Timestamp (µs) of group `group`'s frame `index`. */
const tsOf = (group: number, index: number): number => (group * 1000 + index * 33) * 1000;

/** The legacy-container chunk of group `group`'s frame `index`: a recognisable payload of `size` bytes. */
function chunkOf(group: number, index: number, size = 10): Uint8Array {
  const data = new Uint8Array(size).fill((group * 16 + index) & 0xff);
  return encodeFrame({ timestampUs: tsOf(group, index), data });
}

/** A pulled segment as the feed sees it: chunks pushed by the test, read one at a time. */
class FakeSegment implements FeedSegment {
  readonly sequence: number;
  readonly cancel: Mock<() => void>;
  /** Chunks handed out by readChunk. */
  delivered = 0;
  #chunks: Uint8Array[] = [];
  #end: Error | null | undefined;
  #cancelled = false;
  #wake: (() => void) | undefined;

  /** `deaf`: keeps delivering after cancel() (a chunk already on its way), to test the feed's own guard. */
  constructor(sequence: number, deaf = false) {
    this.sequence = sequence;
    this.cancel = vi.fn(() => {
      if (deaf) return;
      this.#cancelled = true;
      this.#chunks.length = 0;
      this.#notify();
    });
  }

  get cancelled(): boolean {
    return this.cancel.mock.calls.length > 0;
  }

  /** Adds frames `indexes` of this segment's group. */
  frames(...indexes: number[]): this {
    for (const index of indexes) this.#chunks.push(chunkOf(this.sequence, index));
    this.#notify();
    return this;
  }

  raw(chunk: Uint8Array): this {
    this.#chunks.push(chunk);
    this.#notify();
    return this;
  }

  end(): this {
    this.#end = null;
    this.#notify();
    return this;
  }

  fail(error: Error): this {
    this.#end = error;
    this.#notify();
    return this;
  }

  async readChunk(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.#cancelled) return undefined;
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        this.delivered++;
        return chunk;
      }
      if (this.#end === null) return undefined;
      if (this.#end !== undefined) throw this.#end;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

interface Decoded {
  group: number;
  index: number;
  key: boolean;
  size: number;
}

function harness() {
  const decoded: Decoded[] = [];
  const errors: unknown[] = [];
  const state = { offset: 10_000, bytes: 0, skipped: 0 };
  const feed = new VideoFeed({
    now: () => performance.now(),
    dueMs: (timestampUs) => timestampUs / 1000 + state.offset,
    decode: (timestampUs, data, key) => {
      const ms = timestampUs / 1000;
      const group = Math.floor(ms / 1000);
      decoded.push({ group, index: Math.round((ms - group * 1000) / 33), key, size: data.byteLength });
    },
    received: (bytes) => {
      state.bytes += bytes;
    },
    skipped: () => {
      state.skipped++;
    },
    segmentError: (error) => errors.push(error),
    setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  });
  /** What was decoded, as "group:index" with a "K" for a key frame. */
  const trace = () => decoded.map((frame) => `${frame.group}:${frame.index}${frame.key ? "K" : ""}`);
  return { feed, state, decoded, errors, trace };
}

/** Lets the feed's reading (promises) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Advances the fake clock, firing timers, then lets the promises run. */
async function advance(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await settle();
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("VideoFeed", () => {
  it("reads the first group from its key frame, frame by frame as the chunks arrive", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0, 1);
    h.feed.offer(five);
    await settle();
    expect(h.feed.currentSequence).toBe(5);
    expect(h.trace()).toEqual(["5:0K", "5:1"]);
    expect(h.decoded[0]?.size).toBe(10);
    five.frames(2);
    await settle();
    expect(h.trace()).toEqual(["5:0K", "5:1", "5:2"]);
    // Bytes as received: the chunks, timestamp varint included.
    expect(h.state.bytes).toBe([0, 1, 2].reduce((sum, index) => sum + chunkOf(5, index).byteLength, 0));
    five.end();
    await settle();
    expect(h.feed.currentSequence).toBeUndefined();
    expect(five.cancelled).toBe(false);
    expect(h.state.skipped).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it("cancels older groups offered after a newer one, never decoding them", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0, 1);
    h.feed.offer(five);
    await settle();
    // The worker's cache hands over the newest group first, then the older ones.
    const older = [new FakeSegment(4).frames(0, 1, 2).end(), new FakeSegment(3).frames(0).end()];
    for (const segment of older) h.feed.offer(segment);
    const same = new FakeSegment(5).frames(0);
    h.feed.offer(same);
    await settle();
    for (const segment of [...older, same]) {
      expect(segment.cancel).toHaveBeenCalledTimes(1);
      expect(segment.delivered).toBe(0);
    }
    expect(five.cancelled).toBe(false);
    expect(h.trace()).toEqual(["5:0K", "5:1"]);
    expect(h.feed.currentSequence).toBe(5);
    // Still older once group 5 is over: the highest started is remembered.
    five.end();
    await settle();
    const four = new FakeSegment(4).frames(0);
    h.feed.offer(four);
    expect(four.cancelled).toBe(true);
    expect(h.state.skipped).toBe(0);
  });

  it("a newer group offered while the current frames are on time waits until the current group ends", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0, 1);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0, 1);
    h.feed.offer(six);
    await settle();
    expect(six.cancelled).toBe(false);
    expect(six.delivered).toBe(0);
    expect(h.feed.currentSequence).toBe(5);
    // The current group goes on (frames every 33 ms, on time: no stall).
    for (const index of [2, 3, 4]) {
      await advance(33);
      five.frames(index);
      await settle();
    }
    expect(h.trace()).toEqual(["5:0K", "5:1", "5:2", "5:3", "5:4"]);
    five.end();
    await settle();
    expect(h.feed.currentSequence).toBe(6);
    expect(h.trace()).toEqual(["5:0K", "5:1", "5:2", "5:3", "5:4", "6:0K", "6:1"]);
    expect(five.cancelled).toBe(false);
    expect(h.state.skipped).toBe(0);
  });

  it("a newer group offered while behind: the current is cancelled, counted skipped, decoding starts at the new key frame", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0, 1, 2);
    h.feed.offer(five);
    await settle();
    // The frames read from now on are overdue (the page fell behind).
    h.state.offset = -10_000;
    const six = new FakeSegment(6).frames(0, 1);
    h.feed.offer(six);
    // Between frames, only a stall would say it is behind: five goes on.
    expect(five.cancel).not.toHaveBeenCalled();
    expect(h.feed.currentSequence).toBe(5);
    five.frames(3, 4);
    await settle();
    // 5:3 arrives overdue: five is abandoned there, undecoded, for six's key frame.
    expect(five.cancel).toHaveBeenCalledTimes(1);
    expect(h.state.skipped).toBe(1);
    expect(h.feed.currentSequence).toBe(6);
    expect(h.trace()).toEqual(["5:0K", "5:1", "5:2", "6:0K", "6:1"]);
  });

  it("a frame read exactly at its due time is not late; one read after it is", async () => {
    const h = harness();
    await advance(5000);
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    // 5:1 (timestamp 1) is read when it is due, exactly.
    h.state.offset = 5000 - (5000 + 33);
    five.frames(1);
    await settle();
    expect(five.cancelled).toBe(false);
    // 5:2 is read 1 ms after it was due.
    h.state.offset = 5000 - (5000 + 2 * 33) - 1;
    five.frames(2);
    await settle();
    expect(five.cancelled).toBe(true);
    expect(h.state.skipped).toBe(1);
    expect(h.trace()).toEqual(["5:0K", "5:1", "6:0K"]);
  });

  it("a newer group offered between two frames does not end the current one, unless it stalls", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0, 1);
    h.feed.offer(five);
    await settle();
    h.state.offset = -10_000;
    h.feed.offer(new FakeSegment(6).frames(0));
    await settle();
    expect(five.cancelled).toBe(false);
    five.end();
    await settle();
    expect(h.state.skipped).toBe(0);
    expect(h.trace()).toEqual(["5:0K", "5:1", "6:0K"]);
  });

  it("abandons the current group at the frame that falls behind while a newer group waits", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0, 1);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    await settle();
    expect(five.cancelled).toBe(false);
    // The page slows down: the next frame read is already late.
    h.state.offset = -10_000;
    five.frames(2, 3);
    await settle();
    expect(five.cancel).toHaveBeenCalledTimes(1);
    expect(h.state.skipped).toBe(1);
    // 5:2 was overdue on arrival: abandoned there, undecoded.
    expect(h.trace()).toEqual(["5:0K", "5:1", "6:0K"]);
  });

  it("late frames alone are not abandoned: without a newer group the current one is read on", async () => {
    const h = harness();
    h.state.offset = -10_000;
    const five = new FakeSegment(5).frames(0, 1, 2);
    h.feed.offer(five);
    await advance(1000);
    five.frames(3).end();
    await settle();
    expect(five.cancelled).toBe(false);
    expect(h.trace()).toEqual(["5:0K", "5:1", "5:2", "5:3"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("abandons a stalled current group after STALL_MS when a newer one waits", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle(); // last progress at 0
    await advance(20);
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    await advance(STALL_MS - 20 - 1);
    expect(five.cancelled).toBe(false);
    expect(h.trace()).toEqual(["5:0K"]);
    // Not before STALL_MS since the last frame, and within half a STALL_MS after it.
    await advance(STALL_MS / 2 + 1);
    expect(five.cancel).toHaveBeenCalledTimes(1);
    expect(h.state.skipped).toBe(1);
    expect(h.trace()).toEqual(["5:0K", "6:0K"]);
    expect(h.feed.currentSequence).toBe(6);
  });

  it("abandons a group that never delivers its first chunk, once a newer one waits that long", async () => {
    const h = harness();
    const five = new FakeSegment(5);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    await advance(STALL_MS - 1);
    expect(five.cancelled).toBe(false);
    await advance(STALL_MS / 2);
    expect(five.cancelled).toBe(true);
    expect(h.trace()).toEqual(["6:0K"]);
  });

  it("a slow group that still makes progress on time is not abandoned", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    // A frame every 60 ms (under STALL_MS), on time.
    for (let index = 1; index <= 10; index++) {
      await advance(60);
      five.frames(index);
      await settle();
    }
    expect(five.cancelled).toBe(false);
    five.end();
    await settle();
    expect(h.trace().at(-1)).toBe("6:0K");
    expect(h.trace()).toHaveLength(12);
    expect(h.state.skipped).toBe(0);
  });

  it("waits for a stalled group as long as no newer group is there (no timer)", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await advance(10 * STALL_MS);
    expect(five.cancelled).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    five.frames(1).end();
    await settle();
    expect(h.trace()).toEqual(["5:0K", "5:1"]);
  });

  it("a newer group passes over the one waiting before it began: that one is cancelled and counted skipped", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    const seven = new FakeSegment(7).frames(0);
    h.feed.offer(six);
    h.feed.offer(seven);
    expect(six.cancel).toHaveBeenCalledTimes(1);
    expect(h.state.skipped).toBe(1);
    // An offer older than the one waiting is refused.
    const sixAgain = new FakeSegment(6).frames(0);
    h.feed.offer(sixAgain);
    expect(sixAgain.cancelled).toBe(true);
    // So is one as old: the one waiting stays.
    const sevenAgain = new FakeSegment(7).frames(0);
    h.feed.offer(sevenAgain);
    expect(sevenAgain.cancelled).toBe(true);
    expect(seven.cancelled).toBe(false);
    expect(h.state.skipped).toBe(1);
    five.end();
    await settle();
    expect(h.trace()).toEqual(["5:0K", "7:0K"]);
    expect(six.delivered).toBe(0);
  });

  it("a malformed chunk: segmentError, the group is cancelled, and the feed goes on with the next group", async () => {
    const h = harness();
    const five = new FakeSegment(5)
      .frames(0, 1)
      .raw(new Uint8Array([0xc0, 1, 2]))
      .frames(3);
    h.feed.offer(five);
    await settle();
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toBeInstanceOf(ContainerError);
    expect((h.errors[0] as ContainerError).code).toBe("truncated");
    expect(five.cancel).toHaveBeenCalledTimes(1);
    expect(h.feed.currentSequence).toBeUndefined();
    expect(h.trace()).toEqual(["5:0K", "5:1"]);
    // The next group is read from its key frame.
    const six = new FakeSegment(6).frames(0, 1);
    h.feed.offer(six);
    await settle();
    expect(h.trace()).toEqual(["5:0K", "5:1", "6:0K", "6:1"]);
    expect(h.state.skipped).toBe(0);
  });

  it("a malformed chunk while a newer group waits: that group starts at once", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    five.raw(new Uint8Array(0)); // an empty object: no timestamp
    await settle();
    expect(h.errors).toHaveLength(1);
    expect(five.cancelled).toBe(true);
    expect(h.trace()).toEqual(["5:0K", "6:0K"]);
    expect(h.feed.currentSequence).toBe(6);
  });

  it("a group cut short (the read rejects): segmentError, then the next group", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    const cut = new Error("reset upstream");
    five.fail(cut);
    await settle();
    expect(h.errors).toEqual([cut]);
    expect(h.trace()).toEqual(["5:0K", "6:0K"]);
  });

  it("never decodes a chunk read after its group was abandoned", async () => {
    const h = harness();
    // This segment goes on delivering after cancel(), as a chunk already on its way might.
    const five = new FakeSegment(5, true).frames(0);
    h.feed.offer(five);
    await settle();
    h.state.offset = -10_000;
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    five.frames(1, 2).end();
    await settle();
    expect(h.trace()).toEqual(["5:0K", "6:0K"]);
    expect(h.errors).toEqual([]);
  });

  it("reset() cancels the groups held and forgets the sequences: an older group is read again", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle();
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    h.feed.reset();
    expect(five.cancelled).toBe(true);
    expect(six.cancelled).toBe(true);
    expect(h.feed.currentSequence).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    // A restarted publisher counts from 0 again.
    const zero = new FakeSegment(0).frames(0, 1);
    h.feed.offer(zero);
    await settle();
    expect(zero.cancelled).toBe(false);
    expect(h.trace()).toEqual(["5:0K", "0:0K", "0:1"]);
    expect(h.state.skipped).toBe(0);
  });

  it("stop() cancels everything, and every later offer", async () => {
    const h = harness();
    const five = new FakeSegment(5).frames(0);
    h.feed.offer(five);
    await settle();
    h.feed.stop();
    expect(five.cancelled).toBe(true);
    const six = new FakeSegment(6).frames(0);
    h.feed.offer(six);
    await settle();
    expect(six.cancelled).toBe(true);
    expect(h.trace()).toEqual(["5:0K"]);
  });

  it("never hands an empty frame (the container's end-of-content marker) to the decoder", async () => {
    const h = harness();
    const five = new FakeSegment(5)
      .frames(0, 1)
      .raw(encodeFrame({ timestampUs: tsOf(5, 2), data: new Uint8Array(0) }))
      .end();
    h.feed.offer(five);
    await settle();
    expect(h.decoded.every((frame) => frame.size > 0)).toBe(true);
    expect(h.trace()).toEqual(["5:0K", "5:1"]);
  });
});
