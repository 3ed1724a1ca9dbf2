import { afterEach, describe, expect, it, vi } from "vitest";
import { createTrack, type TrackPublisher, type TrackSubscriber } from "../cache/index.ts";
import type { ErrorInfo } from "./protocol.ts";
import { Pull, type PullSink } from "./pull.ts";

type Output =
  | { kind: "open"; key: number; trackId: number; sequence: number; priority: number }
  | { kind: "chunk"; key: number; bytes: number[] }
  | { kind: "end"; key: number; error?: ErrorInfo };

function recorder(): PullSink & { out: Output[] } {
  const out: Output[] = [];
  return {
    out,
    open: (key, trackId, sequence, priority) => out.push({ kind: "open", key, trackId, sequence, priority }),
    chunk: (key, bytes) => out.push({ kind: "chunk", key, bytes: [...bytes] }),
    end: (key, error) => out.push(error === undefined ? { kind: "end", key } : { kind: "end", key, error }),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function pullOf(tracks: [number, TrackSubscriber][], credit: number, sink: PullSink): Pull {
  let key = 1;
  const pull = new Pull(
    1,
    tracks.map(([trackId, reader]) => ({ trackId, reader, exclusive: () => true })),
    credit,
    sink,
    () => key++,
  );
  void pull.run();
  return pull;
}

function segment(track: TrackPublisher, sequence: number, priority: number, chunks: number[][], end = true) {
  const writer = track.createSegment({ sequence, priority });
  for (const chunk of chunks) writer.writeChunk(new Uint8Array(chunk));
  if (end) writer.close();
  return writer;
}

afterEach(() => vi.useRealTimers());

describe("Pull", () => {
  it("hands over the most important segment across tracks: audio (priority 0) before video, newest first", async () => {
    const [videoIn, video] = createTrack("video");
    const [audioIn, audio] = createTrack("audio");
    segment(videoIn, 0, 2, [[1]]);
    segment(videoIn, 1, 2, [[2]]);
    segment(audioIn, 0, 0, [[3]]);
    segment(videoIn, 2, 1, [[4]]);
    const sink = recorder();
    const pull = pullOf(
      [
        [10, video],
        [20, audio],
      ],
      1,
      sink,
    );
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      await tick();
      for (const output of sink.out.splice(0)) {
        if (output.kind === "open") order.push(`${output.trackId}:${output.sequence}`);
        if (output.kind === "end") pull.release(output.key);
      }
    }
    // One open segment per track at a time (credit 1): audio 0 and video 2 go first, then video 1, 0.
    expect(order).toEqual(["20:0", "10:2", "10:1", "10:0"]);
    pull.close();
  });

  it("streams chunks as they arrive, before the segment ends", async () => {
    const [input, reader] = createTrack("t");
    const writer = segment(input, 0, 0, [[1, 2]], false);
    const sink = recorder();
    const pull = pullOf([[1, reader]], 2, sink);
    await tick();
    expect(sink.out).toEqual([
      { kind: "open", key: 1, trackId: 1, sequence: 0, priority: 0 },
      { kind: "chunk", key: 1, bytes: [1, 2] },
    ]);
    writer.writeChunk(new Uint8Array([3]));
    await tick();
    expect(sink.out.at(-1)).toEqual({ kind: "chunk", key: 1, bytes: [3] });
    writer.close();
    await tick();
    expect(sink.out.at(-1)).toEqual({ kind: "end", key: 1 });
    pull.close();
  });

  it("holds further segments of a track until credit returns, and a release stops an unfinished one", async () => {
    const [input, reader] = createTrack("t");
    segment(input, 0, 0, [[0]], false);
    segment(input, 1, 0, [[1]], false);
    const sink = recorder();
    const pull = pullOf([[1, reader]], 1, sink);
    await tick();
    const opens = () => sink.out.filter((output) => output.kind === "open").map((output) => output.key);
    expect(opens()).toEqual([1]);
    pull.release(1);
    await tick();
    expect(opens()).toEqual([1, 2]);
    // The released segment says nothing more.
    expect(sink.out.filter((output) => output.kind === "end")).toEqual([]);
    pull.close();
  });

  it("reports a segment cut short as an error end", async () => {
    const [input, reader] = createTrack("t");
    const writer = segment(input, 0, 0, [[9]], false);
    const sink = recorder();
    const pull = pullOf([[1, reader]], 1, sink);
    await tick();
    const { CacheError } = await import("../cache/index.ts");
    writer.close(CacheError.reset(7, "upstream reset"));
    await tick();
    const end = sink.out.at(-1);
    expect(end?.kind).toBe("end");
    expect(end?.kind === "end" && end.error?.code).toBe("segment-error");
    pull.close();
  });

  it("never hands over what expired while the page was not pulling", async () => {
    vi.useFakeTimers();
    const [input, reader] = createTrack("t");
    input.createSegment({ sequence: 0, priority: 0, expiresMs: 50 }).close();
    vi.advanceTimersByTime(100);
    input.createSegment({ sequence: 1, priority: 0, expiresMs: 50 }).close();
    const sink = recorder();
    const pull = pullOf([[1, reader]], 4, sink);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.out.filter((output) => output.kind === "open").map((o) => o.kind === "open" && o.sequence)).toEqual([
      1,
    ]);
    pull.close();
  });
});
