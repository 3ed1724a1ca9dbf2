// The cache's non-waiting and random access: what a network publisher needs to answer FETCH,
// TRACK_STATUS and SUBSCRIBE_OK's largest location, and to learn that nobody reads any more.
import { afterEach, describe, expect, it, vi } from "vitest";
import { bytes } from "../../test/cache/test-helpers.ts";
import { createTrack } from "./track.ts";

describe("track access", () => {
  it("tryNextSegment drains what is cached now, most important first, without waiting", () => {
    const [publisher, subscriber] = createTrack("t");
    expect(subscriber.tryNextSegment()).toBeUndefined();
    publisher.createSegment({ sequence: 1, priority: 5 }).close();
    publisher.createSegment({ sequence: 2, priority: 1 }).close();
    publisher.createSegment({ sequence: 3, priority: 5 }).close();
    const order = [subscriber.tryNextSegment(), subscriber.tryNextSegment(), subscriber.tryNextSegment()].map(
      (s) => s?.sequence,
    );
    expect(order).toEqual([2, 3, 1]);
    expect(subscriber.tryNextSegment()).toBeUndefined();
  });

  it("segment(sequence) finds a cached segment and forgets an expired one", async () => {
    const [publisher, subscriber] = createTrack("t");
    const segment = publisher.createSegment({ sequence: 7, priority: 0, expiresMs: 20 });
    segment.writeChunk(bytes(1));
    segment.writeChunk(bytes(2));
    const found = subscriber.segment(7);
    expect(found?.chunkCount).toBe(2);
    expect(found?.isFinished).toBe(false);
    segment.close();
    expect(found?.isFinished).toBe(true);
    expect(await found?.readChunk()).toEqual(bytes(1));
    found?.close();
    expect(subscriber.segment(8)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(subscriber.segment(7)).toBeUndefined();
    // The latest sequence is remembered even once that segment expired.
    expect(subscriber.latestSequence).toBe(7);
  });

  it("latestSequence is the highest inserted, whatever the insertion order", () => {
    const [publisher, subscriber] = createTrack("t");
    expect(subscriber.latestSequence).toBeUndefined();
    for (const sequence of [4, 9, 2]) publisher.createSegment({ sequence, priority: 0 }).close();
    expect(subscriber.latestSequence).toBe(9);
  });

  it("ended() resolves when the last subscriber goes, and isEnded says so", async () => {
    const [publisher, subscriber] = createTrack("t");
    const clone = subscriber.clone();
    let ended = false;
    void publisher.ended().then(() => {
      ended = true;
    });
    subscriber.close();
    await Promise.resolve();
    expect(ended).toBe(false);
    expect(publisher.isEnded).toBe(false);
    clone.close();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ended).toBe(true);
    expect(publisher.isEnded).toBe(true);
    expect(clone.isEnded).toBe(true);
  });
});

describe("chunk IDs", () => {
  it("are the indexes by default, and may be sparse and increasing", async () => {
    const [publisher, subscriber] = createTrack("t");
    const segment = publisher.createSegment({ sequence: 0, priority: 0 });
    segment.writeChunk(bytes(1));
    segment.writeChunk(bytes(2), 4);
    segment.writeChunk(bytes(3));
    expect(() => segment.writeChunk(bytes(4), 5)).toThrow(TypeError);
    expect(() => segment.writeChunk(bytes(4), 1.5)).toThrow(/chunk id/);
    segment.close();
    const reader = (await subscriber.nextSegment()) ?? expect.unreachable();
    expect([reader.chunkIdAt(0), reader.chunkIdAt(1), reader.chunkIdAt(2), reader.chunkIdAt(3)]).toEqual([
      0,
      4,
      5,
      undefined,
    ]);
    expect(reader.lastWrittenId).toBe(5);
    const ids: number[] = [];
    while ((await reader.readChunk()) !== undefined) ids.push(reader.chunkId);
    expect(ids).toEqual([0, 4, 5]);
  });

  it("IDs given equal to the indexes read back the same", async () => {
    const [publisher, subscriber] = createTrack("t");
    const segment = publisher.createSegment({ sequence: 0, priority: 0 });
    segment.writeChunk(bytes(1), 0);
    segment.writeChunk(bytes(2), 1);
    segment.close();
    const reader = (await subscriber.nextSegment()) ?? expect.unreachable();
    await reader.readChunk();
    await reader.readChunk();
    expect([reader.chunkId, reader.lastWrittenId]).toEqual([1, 1]);
  });
});

describe("chunk headers", () => {
  it("travel with their chunks, opaque, only where given", async () => {
    const [publisher, subscriber] = createTrack("t");
    const segment = publisher.createSegment({ sequence: 0, priority: 0 });
    segment.writeChunk(bytes(1));
    segment.writeChunk(bytes(2), undefined, bytes(9, 9));
    segment.writeChunk(bytes(3));
    expect(() => segment.writeChunk(bytes(4), undefined, "x" as unknown as Uint8Array)).toThrow(TypeError);
    segment.close();
    const reader = (await subscriber.nextSegment()) ?? expect.unreachable();
    const headers: (Uint8Array | undefined)[] = [];
    while ((await reader.readChunk()) !== undefined) headers.push(reader.chunkHeader);
    expect(headers).toEqual([undefined, bytes(9, 9), undefined]);
    expect(reader.chunkHeaderAt(1)).toEqual(bytes(9, 9));
  });

  it("peekNext names the segment tryNextSegment would take, without taking it; expired ones are skipped", () => {
    vi.useFakeTimers();
    const [publisher, subscriber] = createTrack("t");
    expect(subscriber.peekNext()).toBeUndefined();
    publisher.createSegment({ sequence: 1, priority: 5 }).close();
    publisher.createSegment({ sequence: 2, priority: 1, expiresMs: 10 }).close();
    publisher.createSegment({ sequence: 3, priority: 5 }).close();
    expect(subscriber.peekNext()).toEqual({ sequence: 2, priority: 1 });
    expect(subscriber.peekNext()).toEqual({ sequence: 2, priority: 1 });
    vi.advanceTimersByTime(20);
    expect(subscriber.peekNext()).toEqual({ sequence: 3, priority: 5 });
    expect(subscriber.tryNextSegment()?.sequence).toBe(3);
    expect(subscriber.peekNext()).toEqual({ sequence: 1, priority: 5 });
    expect(subscriber.tryNextSegment()?.sequence).toBe(1);
    expect(subscriber.peekNext()).toBeUndefined();
  });

  it("changed() resolves at the next insert or close", async () => {
    const [publisher, subscriber] = createTrack("t");
    let woke = 0;
    void subscriber.changed().then(() => woke++);
    await Promise.resolve();
    expect(woke).toBe(0);
    publisher.createSegment({ sequence: 0, priority: 0 });
    await Promise.resolve();
    expect(woke).toBe(1);
    void subscriber.changed().then(() => woke++);
    publisher.close();
    await Promise.resolve();
    expect(woke).toBe(2);
  });

  it("cached() counts the segments and chunk bytes the cache holds, not expired ones", () => {
    vi.useFakeTimers();
    const [publisher, subscriber] = createTrack("t");
    const first = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 10 });
    first.writeChunk(new Uint8Array(100));
    first.writeChunk(new Uint8Array(23));
    publisher.createSegment({ sequence: 1, priority: 0 }).writeChunk(new Uint8Array(7));
    expect(subscriber.cached()).toEqual({ segments: 2, bytes: 130 });
    vi.advanceTimersByTime(20);
    expect(subscriber.cached()).toEqual({ segments: 1, bytes: 7 });
  });

  it("ended(signal) stops waiting when the signal aborts; without it, waits for the end", async () => {
    const [publisher, subscriber] = createTrack("t");
    const stop = new AbortController();
    let given = false;
    let ended = false;
    void publisher.ended(stop.signal).then(() => {
      given = true;
    });
    void publisher.ended().then(() => {
      ended = true;
    });
    publisher.createSegment({ sequence: 0, priority: 0 });
    await Promise.resolve();
    expect([given, ended]).toEqual([false, false]);
    stop.abort();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([given, ended]).toEqual([true, false]);
    subscriber.close();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ended).toBe(true);
  });
});

afterEach(() => vi.useRealTimers());
