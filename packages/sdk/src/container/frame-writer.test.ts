import { describe, expect, it } from "vitest";
import { CacheError } from "../cache/error.ts";
import { createSegment } from "../cache/segment.ts";
import { ContainerError } from "./error.ts";
import { FrameWriter } from "./frame-writer.ts";
import { decodeFrame } from "./legacy.ts";

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("FrameWriter", () => {
  it("writes one chunk per frame, numbered 0, 1, 2, … with no gaps, key frame first", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 7, priority: 0 });
    const writer = new FrameWriter(publisher);
    expect(writer.sequence).toBe(7);
    writer.write({ timestampUs: 1000, data: Uint8Array.of(1), keyFrame: true });
    writer.write({ timestampUs: 34_333, data: Uint8Array.of(2, 2), keyFrame: false });
    writer.write({ timestampUs: 67_666, data: Uint8Array.of(3, 3, 3), keyFrame: false });
    expect(writer.count).toBe(3);
    writer.close();
    expect(subscriber.chunkCount).toBe(3);
    const seen: { id: number; timestampUs: number; length: number }[] = [];
    for (let chunk = await subscriber.readChunk(); chunk !== undefined; chunk = await subscriber.readChunk()) {
      const frame = decodeFrame(chunk);
      seen.push({ id: subscriber.chunkId, timestampUs: frame.timestampUs, length: frame.data.length });
    }
    expect(seen).toEqual([
      { id: 0, timestampUs: 1000, length: 1 },
      { id: 1, timestampUs: 34_333, length: 2 },
      { id: 2, timestampUs: 67_666, length: 3 },
    ]);
    expect(subscriber.isFinished).toBe(true);
  });

  it("copies the frame's data, so the caller may reuse its buffer", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const writer = new FrameWriter(publisher);
    const data = Uint8Array.of(9, 9);
    writer.write({ timestampUs: 5, data, keyFrame: true });
    data.fill(0);
    const chunk = await subscriber.readChunk();
    expect(chunk && Array.from(decodeFrame(chunk).data)).toEqual([9, 9]);
  });

  it("refuses a first frame that is not a key frame, and writes nothing", () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const writer = new FrameWriter(publisher);
    const error = errorOf(() => writer.write({ timestampUs: 0, data: Uint8Array.of(1), keyFrame: false }));
    expect(error).toBeInstanceOf(ContainerError);
    expect((error as ContainerError).code).toBe("missing-key-frame");
    expect((error as ContainerError).objectId).toBe(0);
    expect(subscriber.chunkCount).toBe(0);
    expect(writer.count).toBe(0);
    writer.write({ timestampUs: 0, data: Uint8Array.of(1), keyFrame: true });
    expect(subscriber.chunkIdAt(0)).toBe(0);
  });

  it("refuses a key frame after the first frame (it starts a new segment)", () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const writer = new FrameWriter(publisher);
    writer.write({ timestampUs: 0, data: Uint8Array.of(1), keyFrame: true });
    const error = errorOf(() => writer.write({ timestampUs: 1, data: Uint8Array.of(1), keyFrame: true }));
    expect((error as ContainerError).code).toBe("misplaced-key-frame");
    expect((error as ContainerError).objectId).toBe(1);
    expect(subscriber.chunkCount).toBe(1);
  });

  it("passes the encoder's error on with the object ID, without writing or counting", () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const writer = new FrameWriter(publisher);
    writer.write({ timestampUs: 0, data: Uint8Array.of(1), keyFrame: true });
    const error = errorOf(() => writer.write({ timestampUs: -1, data: Uint8Array.of(1), keyFrame: false }));
    expect(error).toBeInstanceOf(ContainerError);
    expect((error as ContainerError).code).toBe("timestamp-out-of-range");
    expect((error as ContainerError).objectId).toBe(1);
    expect(subscriber.chunkCount).toBe(1);
    writer.write({ timestampUs: 2, data: Uint8Array.of(1), keyFrame: false });
    expect(subscriber.chunkIdAt(1)).toBe(1);
  });

  it("closes the segment, with an error if given, and then refuses frames with the cache's error", async () => {
    const [publisher, subscriber] = createSegment({ sequence: 0, priority: 0 });
    const writer = new FrameWriter(publisher);
    writer.write({ timestampUs: 0, data: Uint8Array.of(1), keyFrame: true });
    writer.close(CacheError.reset(3));
    expect(publisher.isClosed).toBe(true);
    const error = errorOf(() => writer.write({ timestampUs: 1, data: Uint8Array.of(1), keyFrame: false }));
    expect(error).toBeInstanceOf(CacheError);
    await subscriber.readChunk();
    await expect(subscriber.readChunk()).rejects.toMatchObject({ code: "reset", wireCode: 3 });
  });
});
