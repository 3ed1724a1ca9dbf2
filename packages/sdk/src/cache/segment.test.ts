import { describe, expect, it } from "vitest";
import { bytes, flush, watch } from "../../test/cache/test-helpers.ts";
import { CacheError } from "./error.ts";
import { createSegment } from "./segment.ts";

describe("segment", () => {
  it("gives chunks in the order written, without copying", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 1, priority: 0 });
    const a = bytes(1);
    const b = bytes(2, 3);
    publisher.writeChunk(a);
    publisher.writeChunk(b);
    expect(await subscriber.readChunk()).toBe(a);
    expect(await subscriber.readChunk()).toBe(b);
  });

  it("exposes its info", () => {
    const [publisher, subscriber] = createSegment({ sequence: 7, priority: -2, expiresMs: 500 });
    expect([publisher.sequence, publisher.priority, publisher.expiresMs]).toEqual([7, -2, 500]);
    expect([subscriber.sequence, subscriber.priority, subscriber.expiresMs]).toEqual([7, -2, 500]);
  });

  it("waits for the next chunk without polling", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const read = watch(subscriber.readChunk());
    await flush();
    expect(read.current.state).toBe("pending");
    const chunk = bytes(9);
    publisher.writeChunk(chunk);
    await flush();
    expect(read.current).toEqual({ state: "fulfilled", value: chunk });
  });

  it("lets every subscriber clone read every chunk from its own position", async () => {
    const [publisher, first] = createSegment({ sequence: 0, priority: 0 });
    publisher.writeChunk(bytes(1));
    publisher.writeChunk(bytes(2));
    expect(await first.readChunk()).toEqual(bytes(1));
    const second = first.clone(); // starts where first is: at chunk 2
    publisher.writeChunk(bytes(3));
    publisher.close();
    expect(await second.readChunk()).toEqual(bytes(2));
    expect(await second.readChunk()).toEqual(bytes(3));
    expect(await second.readChunk()).toBeUndefined();
    expect(await first.readChunk()).toEqual(bytes(2));
    expect(await first.readChunk()).toEqual(bytes(3));
    expect(await first.readChunk()).toBeUndefined();
  });

  it("finishes only when every publisher clone is closed; readers drain first", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const other = publisher.clone();
    publisher.writeChunk(bytes(1));
    publisher.close();
    other.writeChunk(bytes(2));
    expect(await subscriber.readChunk()).toEqual(bytes(1));
    expect(await subscriber.readChunk()).toEqual(bytes(2));
    const end = watch(subscriber.readChunk());
    await flush();
    expect(end.current.state).toBe("pending");
    other.close();
    await flush();
    expect(end.current).toEqual({ state: "fulfilled", value: undefined });
  });

  it("close(error): readers drain what was written, then reject with it", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const other = publisher.clone();
    publisher.writeChunk(bytes(1));
    const error = CacheError.reset(7);
    other.close(error);
    expect(() => publisher.writeChunk(bytes(2))).toThrow(CacheError);
    expect(await subscriber.readChunk()).toEqual(bytes(1));
    await expect(subscriber.readChunk()).rejects.toBe(error);
  });

  it("throws closed when a closed handle is used; closing twice is harmless", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const reader = subscriber.clone();
    publisher.close();
    publisher.close();
    expect(() => publisher.writeChunk(bytes(1))).toThrow(expect.objectContaining({ code: "closed" }));
    expect(() => publisher.clone()).toThrow(expect.objectContaining({ code: "closed" }));
    subscriber.close();
    subscriber.close();
    await expect(subscriber.readChunk()).rejects.toMatchObject({ code: "closed" });
    expect(() => subscriber.clone()).toThrow(expect.objectContaining({ code: "closed" }));
    expect(await reader.readChunk()).toBeUndefined();
  });

  it("a reader waiting when its own handle closes gets undefined", async () => {
    const [, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const read = watch(subscriber.readChunk());
    subscriber.close();
    await flush();
    expect(read.current).toEqual({ state: "fulfilled", value: undefined });
  });

  it("tells the writer once no reader is left, and lets go of the bytes", () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    publisher.writeChunk(bytes(1));
    subscriber.close();
    expect(() => publisher.writeChunk(bytes(2))).toThrow(expect.objectContaining({ code: "closed" }));
  });

  it("supports `using` through Symbol.dispose", () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    publisher[Symbol.dispose]();
    subscriber[Symbol.dispose]();
    expect(publisher.isClosed && subscriber.isClosed).toBe(true);
  });

  it("rejects bad arguments with a TypeError naming the field", () => {
    expect(() => createSegment({ sequence: -1, priority: 0 })).toThrow(/sequence/);
    expect(() => createSegment({ sequence: 1.5, priority: 0 })).toThrow(/sequence/);
    expect(() => createSegment({ sequence: 2 ** 53, priority: 0 })).toThrow(/sequence/);
    expect(() => createSegment({ sequence: Number.NaN, priority: 0 })).toThrow(/sequence/);
    expect(() => createSegment({ sequence: 1, priority: 0.5 })).toThrow(/priority/);
    expect(() => createSegment({ sequence: 1, priority: Number.POSITIVE_INFINITY })).toThrow(/priority/);
    expect(() => createSegment({ sequence: 1, priority: 0, expiresMs: -1 })).toThrow(/expiresMs/);
    expect(() => createSegment({ sequence: 1, priority: 0, expiresMs: Number.POSITIVE_INFINITY })).toThrow(/expiresMs/);
    expect(() => createSegment({ sequence: 1, priority: 0, expiresMs: Number.NaN })).toThrow(TypeError);
    expect(() =>
      createSegment({ sequence: "1", priority: 0 } as unknown as { sequence: number; priority: number }),
    ).toThrow(TypeError);
    const [publisher] = createSegment({ sequence: 1, priority: 0 });
    expect(() => publisher.writeChunk("text" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => publisher.close(new Error("plain") as CacheError)).toThrow(TypeError);
  });
});
