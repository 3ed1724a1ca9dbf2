import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bytes, flush, watch } from "../../test/cache/test-helpers.ts";
import { CacheError } from "./error.ts";
import { createSegment, type SegmentSubscriber } from "./segment.ts";
import { createTrack, type TrackSubscriber } from "./track.ts";

/** Reads `count` segments and returns their sequence numbers, closing each handle. */
async function sequences(subscriber: TrackSubscriber, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const segment = await subscriber.nextSegment();
    if (segment === undefined) throw new Error(`track ended after ${i} segments`);
    out.push(segment.sequence);
    segment.close();
  }
  return out;
}

async function readAll(segment: SegmentSubscriber): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk())
    chunks.push(chunk);
  return chunks;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("rule 1: duplicates", () => {
  it("refuses a sequence number the track holds, leaving the track unchanged", async () => {
    const [publisher, subscriber] = createTrack("video");
    publisher.createSegment({ sequence: 5, priority: 1 }).writeChunk(bytes(1));
    expect(() => publisher.createSegment({ sequence: 5, priority: 0 })).toThrow(
      expect.objectContaining({ code: "duplicate", wireCode: 409 }),
    );
    const [, other] = createSegment({ sequence: 5, priority: 0 });
    expect(() => publisher.insertSegment(other)).toThrow(expect.objectContaining({ code: "duplicate" }));
    expect(other.isClosed).toBe(false); // still the caller's
    publisher.close();
    const only = (await subscriber.nextSegment()) as SegmentSubscriber;
    expect(only.priority).toBe(1);
    expect(await only.readChunk()).toEqual(bytes(1)); // the accepted segment lost nothing
    expect(await subscriber.nextSegment()).toBeUndefined();
  });

  it("refuses it also after the segment expired, while its slot still exists", () => {
    const [publisher] = createTrack("video");
    publisher.createSegment({ sequence: 0, priority: 0 }); // never expires: keeps later slots from pruning
    publisher.createSegment({ sequence: 1, priority: 0, expiresMs: 10 });
    vi.advanceTimersByTime(20);
    expect(() => publisher.createSegment({ sequence: 1, priority: 0 })).toThrow(
      expect.objectContaining({ code: "duplicate" }),
    );
  });
});

describe("rule 2: priority order", () => {
  it("returns the most important available segment: lowest priority value, then newest", async () => {
    const [publisher, subscriber] = createTrack("video");
    for (const [sequence, priority] of [
      [0, 2],
      [1, 1],
      [2, 2],
      [3, 0],
      [4, 1],
    ] as const) {
      publisher.createSegment({ sequence, priority });
    }
    expect(await sequences(subscriber, 5)).toEqual([3, 4, 1, 2, 0]);
  });

  it("never returns a segment twice to one subscriber, and waits when nothing is new", async () => {
    const [publisher, subscriber] = createTrack("video");
    publisher.createSegment({ sequence: 0, priority: 0 });
    expect(await sequences(subscriber, 1)).toEqual([0]);
    const next = watch(subscriber.nextSegment());
    await flush();
    expect(next.current.state).toBe("pending");
    publisher.createSegment({ sequence: 1, priority: 5 });
    await flush();
    expect(next.current.state).toBe("fulfilled");
    expect(next.current.state === "fulfilled" && next.current.value?.sequence).toBe(1);
  });

  it("a segment inserted later but more important overtakes older ones not yet read", async () => {
    const [publisher, subscriber] = createTrack("video");
    publisher.createSegment({ sequence: 0, priority: 1 });
    publisher.createSegment({ sequence: 1, priority: 1 });
    expect(await sequences(subscriber, 1)).toEqual([1]);
    publisher.createSegment({ sequence: 2, priority: 0 });
    expect(await sequences(subscriber, 2)).toEqual([2, 0]);
  });

  it("each returned handle reads the whole segment from the start", async () => {
    const [publisher, subscriber] = createTrack("video");
    const [first, second] = [subscriber, subscriber.clone()];
    const segment = publisher.createSegment({ sequence: 0, priority: 0 });
    segment.writeChunk(bytes(1));
    segment.writeChunk(bytes(2));
    segment.close();
    const a = await first.nextSegment();
    const b = await second.nextSegment();
    expect(await readAll(a as SegmentSubscriber)).toEqual([bytes(1), bytes(2)]);
    expect(await readAll(b as SegmentSubscriber)).toEqual([bytes(1), bytes(2)]);
  });
});

describe("rule 3: fan-out", () => {
  it("every subscriber handle gets every segment inserted after it exists, at its own pace", async () => {
    const [publisher, original] = createTrack("audio");
    publisher.createSegment({ sequence: 0, priority: 0 });
    const late = original.clone(); // inherits 0, which original has not read
    publisher.createSegment({ sequence: 1, priority: 0 });
    expect(await sequences(original, 2)).toEqual([1, 0]);
    const later = original.clone(); // original has read everything: inherits nothing
    publisher.createSegment({ sequence: 2, priority: 0 });
    expect(await sequences(late, 3)).toEqual([2, 1, 0]);
    expect(await sequences(later, 1)).toEqual([2]);
    expect(await sequences(original, 1)).toEqual([2]);
  });

  it("a clone inherits the segments its parent has seen but not read", async () => {
    const [publisher, parent] = createTrack("audio");
    publisher.createSegment({ sequence: 0, priority: 0 });
    publisher.createSegment({ sequence: 1, priority: 1 });
    expect(await sequences(parent, 1)).toEqual([0]); // 1 is now in parent's pending queue
    const child = parent.clone();
    expect(await sequences(child, 1)).toEqual([1]);
    expect(await sequences(parent, 1)).toEqual([1]);
  });

  it("several publisher clones insert into the same track", async () => {
    const [publisher, subscriber] = createTrack("audio");
    const other = publisher.clone();
    publisher.createSegment({ sequence: 0, priority: 0 });
    other.createSegment({ sequence: 1, priority: 0 });
    expect(() => other.createSegment({ sequence: 0, priority: 0 })).toThrow(
      expect.objectContaining({ code: "duplicate" }),
    );
    expect(await sequences(subscriber, 2)).toEqual([1, 0]);
  });

  it("wakes every waiting subscriber on one insert", async () => {
    const [publisher, subscriber] = createTrack("audio");
    const readers = [subscriber, ...Array.from({ length: 9 }, () => subscriber.clone())];
    const waits = readers.map((reader) => watch(reader.nextSegment()));
    await flush();
    expect(waits.every((wait) => wait.current.state === "pending")).toBe(true);
    publisher.createSegment({ sequence: 0, priority: 0 });
    await flush();
    expect(waits.map((wait) => wait.current.state === "fulfilled" && wait.current.value?.sequence)).toEqual(
      Array(10).fill(0),
    );
  });
});

describe("rule 4: expiry on time", () => {
  it("drops a segment expiresMs after insertion, driven by a timer, not by the next insert", async () => {
    const [publisher, subscriber] = createTrack("video");
    publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 100 });
    publisher.createSegment({ sequence: 1, priority: 1, expiresMs: 300 });
    publisher.createSegment({ sequence: 2, priority: 2 });
    expect(vi.getTimerCount()).toBe(1); // one timer, for the earliest deadline
    vi.advanceTimersByTime(99);
    const reader = subscriber.clone();
    expect(await sequences(reader, 1)).toEqual([0]);
    vi.advanceTimersByTime(1);
    expect(vi.getTimerCount()).toBe(1); // rescheduled for sequence 1
    expect(await sequences(subscriber, 2)).toEqual([1, 2]);
    vi.advanceTimersByTime(200);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("never returns an expired segment, even one already queued for the subscriber", async () => {
    const [publisher, subscriber] = createTrack("video");
    publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 50 });
    publisher.createSegment({ sequence: 1, priority: 1 });
    publisher.createSegment({ sequence: 2, priority: 2, expiresMs: 50 });
    expect(await sequences(subscriber, 1)).toEqual([0]); // 1 and 2 are now queued
    vi.advanceTimersByTime(50);
    expect(await sequences(subscriber, 1)).toEqual([1]);
    const next = watch(subscriber.nextSegment());
    await flush();
    expect(next.current.state).toBe("pending"); // 2 expired: nothing to give
  });

  it("checks the deadline itself when the timer is late", async () => {
    const [publisher, subscriber] = createTrack("video");
    publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 10 });
    publisher.createSegment({ sequence: 1, priority: 1 });
    vi.setSystemTime(Date.now()); // keep Date in step; only performance.now() matters
    // Move the clock without running timers, as when the event loop is busy.
    const now = performance.now();
    vi.spyOn(performance, "now").mockReturnValue(now + 11);
    expect(await sequences(subscriber, 1)).toEqual([1]);
  });

  it("keeps readers' positions valid while pruning leading expired slots", async () => {
    const [publisher, subscriber] = createTrack("video");
    // 500 short-lived segments, read by nobody, then one more.
    for (let sequence = 0; sequence < 500; sequence++) {
      publisher.createSegment({ sequence, priority: 0, expiresMs: 10 });
    }
    vi.advanceTimersByTime(10);
    publisher.createSegment({ sequence: 500, priority: 0 });
    expect(await sequences(subscriber, 1)).toEqual([500]);
    // The pruned sequence numbers are free again: their slots are gone.
    publisher.createSegment({ sequence: 3, priority: 9 });
    expect(await sequences(subscriber, 1)).toEqual([3]);
  });

  it("after expiry nothing in the cache holds the segment's bytes", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) throw new Error("run with --expose-gc (see vitest.config.ts)");
    vi.useRealTimers();
    const [publisher, subscriber] = createTrack("video");
    const writer = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 20 });
    // In a plain function, so no suspended async frame of this test keeps the chunk alive.
    const ref = ((): WeakRef<ArrayBufferLike> => {
      const chunk = new Uint8Array(1 << 20);
      writer.writeChunk(chunk);
      return new WeakRef(chunk.buffer);
    })();
    publisher.createSegment({ sequence: 1, priority: 1 });
    expect(await sequences(subscriber, 1)).toEqual([0]); // the returned handle was closed
    await new Promise((resolve) => setTimeout(resolve, 40));
    gc();
    await flush();
    gc();
    // The writer handle, the track and the subscriber are all still alive.
    expect(writer.isClosed).toBe(false);
    expect(ref.deref()).toBeUndefined();
    expect(() => writer.writeChunk(bytes(1))).toThrow(expect.objectContaining({ code: "closed" }));
    expect(subscriber.isClosed).toBe(false);
  });

  it("a handle a reader took before expiry keeps working", async () => {
    const [publisher, subscriber] = createTrack("video");
    const writer = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 10 });
    writer.writeChunk(bytes(1));
    const segment = (await subscriber.nextSegment()) as SegmentSubscriber;
    vi.advanceTimersByTime(10);
    writer.writeChunk(bytes(2));
    writer.close();
    expect(await readAll(segment)).toEqual([bytes(1), bytes(2)]);
  });
});

describe("rule 5: close", () => {
  it("when every publisher is closed, subscribers drain the cache, then get undefined", async () => {
    const [publisher, subscriber] = createTrack("video");
    const other = publisher.clone();
    publisher.createSegment({ sequence: 0, priority: 0 });
    other.createSegment({ sequence: 1, priority: 0 });
    publisher.close();
    const reader = subscriber.clone();
    expect(await sequences(subscriber, 2)).toEqual([1, 0]);
    const end = watch(subscriber.nextSegment());
    await flush();
    expect(end.current.state).toBe("pending"); // other is still open
    other.close();
    await flush();
    expect(end.current).toEqual({ state: "fulfilled", value: undefined });
    expect(await sequences(reader, 2)).toEqual([1, 0]);
    expect(await reader.nextSegment()).toBeUndefined();
  });

  it("closed with an error, subscribers drain and then get that error", async () => {
    const [publisher, subscriber] = createTrack("video");
    publisher.createSegment({ sequence: 0, priority: 0 });
    const error = new CacheError("not-found");
    publisher.clone().close(error); // an error closes the track at once
    expect(() => publisher.createSegment({ sequence: 1, priority: 0 })).toThrow(
      expect.objectContaining({ code: "closed" }),
    );
    expect(await sequences(subscriber, 1)).toEqual([0]);
    await expect(subscriber.nextSegment()).rejects.toBe(error);
  });

  it("a waiting subscriber sees the end", async () => {
    const [publisher, subscriber] = createTrack("video");
    const end = watch(subscriber.nextSegment());
    await flush();
    publisher.close(CacheError.reset(3));
    await flush();
    expect(end.current.state).toBe("rejected");
    expect(end.current.state === "rejected" && (end.current.reason as CacheError).wireCode).toBe(3);
  });

  it("when every subscriber is closed, inserting throws closed and the cache lets go", () => {
    const [publisher, subscriber] = createTrack("video");
    const clone = subscriber.clone();
    const writer = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 1000 });
    subscriber.close();
    publisher.createSegment({ sequence: 1, priority: 0 }); // one subscriber remains
    clone.close();
    expect(() => publisher.createSegment({ sequence: 2, priority: 0 })).toThrow(
      expect.objectContaining({ code: "closed" }),
    );
    const [, segment] = createSegment({ sequence: 3, priority: 0 });
    expect(() => publisher.insertSegment(segment)).toThrow(expect.objectContaining({ code: "closed" }));
    expect(vi.getTimerCount()).toBe(0);
    expect(() => writer.writeChunk(bytes(1))).toThrow(expect.objectContaining({ code: "closed" }));
  });

  it("closing twice is harmless; using a closed handle throws closed", async () => {
    const [publisher, subscriber] = createTrack("video");
    const keep = [publisher.clone(), subscriber.clone()];
    publisher.close();
    publisher.close();
    subscriber.close();
    subscriber.close();
    expect(() => publisher.createSegment({ sequence: 0, priority: 0 })).toThrow(
      expect.objectContaining({ code: "closed" }),
    );
    expect(() => publisher.clone()).toThrow(expect.objectContaining({ code: "closed" }));
    await expect(subscriber.nextSegment()).rejects.toMatchObject({ code: "closed" });
    expect(() => subscriber.clone()).toThrow(expect.objectContaining({ code: "closed" }));
    expect(keep.every((handle) => !handle.isClosed)).toBe(true);
  });

  it("a subscriber waiting when its own handle closes gets undefined", async () => {
    const [, subscriber] = createTrack("video");
    const keep = subscriber.clone();
    const next = watch(subscriber.nextSegment());
    subscriber.close();
    await flush();
    expect(next.current).toEqual({ state: "fulfilled", value: undefined });
    expect(keep.isClosed).toBe(false);
  });

  it("supports `using` through Symbol.dispose", () => {
    const [publisher, subscriber] = createTrack("video");
    {
      using clone = publisher.clone();
      expect(clone.isClosed).toBe(false);
    }
    subscriber[Symbol.dispose]();
    expect(subscriber.isClosed).toBe(true);
  });
});

describe("rule 7: bad input", () => {
  it("throws TypeError naming the field, and inserts nothing", async () => {
    const [publisher, subscriber] = createTrack("video");
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ sequence: -1, priority: 0 }, /sequence/],
      [{ sequence: 0.5, priority: 0 }, /sequence/],
      [{ sequence: Number.MAX_SAFE_INTEGER + 1, priority: 0 }, /sequence/],
      [{ sequence: 1, priority: 1.5 }, /priority/],
      [{ sequence: 1, priority: Number.NaN }, /priority/],
      [{ sequence: 1, priority: 0, expiresMs: -5 }, /expiresMs/],
      [{ sequence: 1, priority: 0, expiresMs: Number.POSITIVE_INFINITY }, /expiresMs/],
    ];
    for (const [info, field] of bad) {
      expect(() => publisher.createSegment(info as unknown as { sequence: number; priority: number })).toThrow(
        TypeError,
      );
      expect(() => publisher.createSegment(info as unknown as { sequence: number; priority: number })).toThrow(field);
    }
    expect(() => publisher.insertSegment({} as SegmentSubscriber)).toThrow(TypeError);
    expect(() => createTrack(42 as unknown as string)).toThrow(TypeError);
    publisher.close();
    expect(await subscriber.nextSegment()).toBeUndefined(); // nothing was inserted
  });
});
