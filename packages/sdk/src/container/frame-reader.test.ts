import { describe, expect, it } from "vitest";
import { CacheError } from "../cache/error.ts";
import { createSegment } from "../cache/segment.ts";
import { ContainerError } from "./error.ts";
import { readFrames } from "./frame-reader.ts";
import { FrameWriter } from "./frame-writer.ts";
import { encodeFrame } from "./legacy.ts";

/** Lets queued promise continuations run. */
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Watches a promise so the test can ask whether it settled yet. */
function watch<T>(promise: Promise<T>): { readonly current: { state: "pending" | "fulfilled"; value?: T } } {
  const box: { current: { state: "pending" | "fulfilled"; value?: T } } = { current: { state: "pending" } };
  promise.then((value) => {
    box.current = { state: "fulfilled", value };
  });
  return box;
}

const frame = (timestampUs: number, ...data: number[]) => encodeFrame({ timestampUs, data: Uint8Array.from(data) });

describe("readFrames", () => {
  it("yields each frame as it arrives, the first (object 0) as the key frame", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const writer = new FrameWriter(publisher);
    const frames = readFrames(subscriber);
    const first = watch(frames.next());
    await flush();
    expect(first.current.state).toBe("pending");
    writer.write({ timestampUs: 100, data: Uint8Array.of(0x65), keyFrame: true });
    await flush();
    expect(first.current).toMatchObject({
      state: "fulfilled",
      value: { done: false, value: { timestampUs: 100, index: 0, keyFrame: true } },
    });
    const second = watch(frames.next());
    await flush();
    expect(second.current.state).toBe("pending");
    writer.write({ timestampUs: 200, data: Uint8Array.of(0x41, 1), keyFrame: false });
    await flush();
    expect(second.current).toMatchObject({
      state: "fulfilled",
      value: { done: false, value: { timestampUs: 200, index: 1, keyFrame: false } },
    });
    writer.close();
    expect(await frames.next()).toEqual({ done: true, value: undefined });
    expect(subscriber.isClosed).toBe(true);
  });

  it("gives views into the cached chunk, not copies", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const chunk = frame(0x25, 7, 8, 9);
    publisher.writeChunk(chunk);
    publisher.close();
    for await (const read of readFrames(subscriber)) {
      expect(read.data.buffer).toBe(chunk.buffer);
      expect(Array.from(read.data)).toEqual([7, 8, 9]);
    }
  });

  it("closes the subscriber when the loop is left early, releasing the segment", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    publisher.writeChunk(frame(0, 1));
    publisher.writeChunk(frame(1, 2));
    for await (const read of readFrames(subscriber)) {
      expect(read.index).toBe(0);
      break;
    }
    expect(subscriber.isClosed).toBe(true);
    expect(() => publisher.writeChunk(frame(2, 3))).toThrow(CacheError);
  });

  it("yields what arrived, then throws the segment's error", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    publisher.writeChunk(frame(0, 1));
    publisher.close(CacheError.reset(9));
    const seen: number[] = [];
    const run = async () => {
      for await (const read of readFrames(subscriber)) seen.push(read.timestampUs);
    };
    await expect(run()).rejects.toMatchObject({ name: "CacheError", code: "reset", wireCode: 9 });
    expect(seen).toEqual([0]);
    expect(subscriber.isClosed).toBe(true);
  });

  it("throws a ContainerError naming the object when a chunk is no frame", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    publisher.writeChunk(frame(0, 1));
    publisher.writeChunk(Uint8Array.of(0x80, 0));
    publisher.close();
    const frames = readFrames(subscriber);
    await frames.next();
    const error = await frames.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerError);
    expect(error).toMatchObject({ code: "truncated", objectId: 1 });
    expect(subscriber.isClosed).toBe(true);
  });

  it("throws object-gap when an object ID is skipped", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    publisher.writeChunk(frame(0, 1), 0);
    publisher.writeChunk(frame(1, 1), 2);
    publisher.close();
    const frames = readFrames(subscriber);
    expect((await frames.next()).value).toMatchObject({ index: 0, keyFrame: true });
    await expect(frames.next()).rejects.toMatchObject({ name: "ContainerError", code: "object-gap", objectId: 1 });
  });

  it("numbers frames by object ID, so a reader that joined mid-group sees no key frame", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    publisher.writeChunk(frame(300, 1), 3);
    publisher.writeChunk(frame(400, 1), 4);
    publisher.close();
    const seen = [];
    for await (const { index, keyFrame, timestampUs } of readFrames(subscriber))
      seen.push({ index, keyFrame, timestampUs });
    expect(seen).toEqual([
      { index: 3, keyFrame: false, timestampUs: 300 },
      { index: 4, keyFrame: false, timestampUs: 400 },
    ]);
  });
});
