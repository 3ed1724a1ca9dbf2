import { describe, expect, it } from "vitest";
import { createTrack, type SegmentSubscriber } from "../cache/index.ts";
import { readFrames } from "../container/index.ts";
import { Segmenter } from "./segmenter.ts";

const frame = (timestampUs: number, keyFrame: boolean, size = 3) => ({
  timestampUs,
  data: new Uint8Array(size).fill(timestampUs & 0xff),
  keyFrame,
});

async function drain(reader: ReturnType<typeof createTrack>[1]): Promise<SegmentSubscriber[]> {
  const segments: SegmentSubscriber[] = [];
  for (let segment = reader.tryNextSegment(); segment !== undefined; segment = reader.tryNextSegment())
    segments.push(segment);
  return segments.sort((a, b) => a.sequence - b.sequence);
}

describe("Segmenter", () => {
  it("starts a segment at every key frame, sequence +1, object IDs 0, 1, 2 … and closes the previous", async () => {
    const [track, reader] = createTrack("video/hd");
    const ended: [number, number][] = [];
    const segmenter = new Segmenter(track, {
      priority: 1,
      ttlMs: 2000,
      onSegmentEnd: (sequence, frames) => ended.push([sequence, frames]),
    });
    expect(segmenter.write(frame(0, true))).toBe("written");
    expect(segmenter.write(frame(33, false))).toBe("written");
    expect(segmenter.write(frame(66, false))).toBe("written");
    expect(ended).toEqual([]);
    expect(segmenter.write(frame(100, true))).toBe("written");
    expect(ended).toEqual([[0, 3]]);
    expect(segmenter.write(frame(133, false))).toBe("written");
    segmenter.close();
    expect(ended).toEqual([
      [0, 3],
      [1, 2],
    ]);
    const segments = await drain(reader);
    expect(segments.map((s) => [s.sequence, s.priority, s.expiresMs])).toEqual([
      [0, 1, 2000],
      [1, 1, 2000],
    ]);
    const first = [];
    for await (const read of readFrames(segments[0] as SegmentSubscriber))
      first.push([read.index, read.timestampUs, read.keyFrame]);
    expect(first).toEqual([
      [0, 0, true],
      [1, 33, false],
      [2, 66, false],
    ]);
  });

  it("refuses delta frames until the first key frame and asks for one", () => {
    const [track, reader] = createTrack("video/hd");
    const segmenter = new Segmenter(track, { priority: 1, ttlMs: 1000 });
    expect(segmenter.write(frame(0, false))).toBe("needs-key-frame");
    expect(reader.cached().segments).toBe(0);
    expect(segmenter.write(frame(33, true))).toBe("written");
    expect(segmenter.currentSequence).toBe(0);
  });

  it("after a failed write drops the rest of the group and asks for a key frame", () => {
    const [track] = createTrack("video/hd");
    const errors: unknown[] = [];
    const segmenter = new Segmenter(track, {
      priority: 1,
      ttlMs: 1000,
      onSegmentEnd: (_sequence, _frames, error) => errors.push(error),
    });
    segmenter.write(frame(0, true));
    expect(segmenter.write({ timestampUs: -1, data: new Uint8Array(1), keyFrame: false })).toBe("needs-key-frame");
    expect(errors).toHaveLength(1);
    expect(segmenter.write(frame(66, false))).toBe("needs-key-frame");
    expect(segmenter.write(frame(100, true))).toBe("written");
    expect(segmenter.currentSequence).toBe(1);
  });

  it("puts each frame in a segment of its own for audio", async () => {
    const [track, reader] = createTrack("audio/data");
    const bytes: number[] = [];
    const segmenter = new Segmenter(track, {
      priority: 0,
      ttlMs: 500,
      segmentPerFrame: true,
      onFrame: (_sequence, length) => bytes.push(length),
    });
    for (let i = 0; i < 3; i++)
      expect(segmenter.write(frame(1_700_000_000_000_000 + i * 20_000, false))).toBe("written");
    expect(segmenter.currentSequence).toBeUndefined();
    const segments = await drain(reader);
    expect(segments.map((s) => [s.sequence, s.chunkCount, s.isFinished])).toEqual([
      [0, 1, true],
      [1, 1, true],
      [2, 1, true],
    ]);
    expect(bytes).toEqual([11, 11, 11]); // 8-byte varint + 3 bytes
  });

  it("refuses everything once closed, and when the track is closed", () => {
    const [track] = createTrack("video/hd");
    const segmenter = new Segmenter(track, { priority: 1, ttlMs: 1000, firstSequence: 5 });
    expect(segmenter.nextSequence).toBe(5);
    track.close();
    expect(segmenter.write(frame(0, true))).toBe("needs-key-frame");
    segmenter.close();
    expect(segmenter.write(frame(1, true))).toBe("needs-key-frame");
  });
});
