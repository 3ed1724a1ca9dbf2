// The page's side of the video pull as the player wires it (player.ts, #startMedia): the real
// WorkerClient and its Pull on a fake worker port, each pulled segment routed into a VideoFeed. The
// port answers the page's requests and emits pulled-open / pulled-chunk / pulled-end events, either
// scripted by the test or, for the credit and ordering the player relies on, from the worker's own
// Pull (worker/pull.ts) over a cache track, as the worker's service does.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CacheError, createTrack, type TrackPublisher } from "../cache/index.ts";
import { encodeFrame } from "../container/legacy.ts";
import { type Pull, type RemoteTrack, WorkerClient } from "../worker/client.ts";
import type { ErrorInfo, WorkerEvent, WorkerRequest } from "../worker/protocol.ts";
import { Pull as WorkerPull } from "../worker/pull.ts";
import type { MessageEndpoint } from "../worker/service.ts";
import { STALL_MS, VideoFeed } from "./video-feed.ts";

const NAMESPACE = ["live", "test"];

/** Timestamp (µs) of group `group`'s frame `index`. */
const tsOf = (group: number, index: number): number => (group * 1000 + index * 33) * 1000;

const chunkOf = (group: number, index: number): Uint8Array =>
  encodeFrame({ timestampUs: tsOf(group, index), data: new Uint8Array(8).fill(index + 1) });

type Listener = (event: { data: unknown }) => void;

/**
 * A worker port: answers requests (subscribe gets track ids from 1), records what the page sends and
 * emits what the worker would. With `cache`, a pull-start runs the worker's own Pull over those tracks.
 */
class FakeWorkerPort implements MessageEndpoint {
  readonly sent: WorkerRequest[] = [];
  /** The segments handed over, in order. */
  readonly opened: { segmentKey: number; trackId: number; sequence: number }[] = [];
  readonly #listeners: Listener[] = [];
  readonly #cache: Map<number, ReturnType<typeof createTrack>[1]>;
  #nextTrackId = 1;
  #nextKey = 1;
  workerPull: WorkerPull | undefined;
  pullId: number | undefined;
  credit: number | undefined;

  constructor(cache = new Map<number, ReturnType<typeof createTrack>[1]>()) {
    this.#cache = cache;
  }

  postMessage(message: unknown): void {
    const request = message as WorkerRequest;
    this.sent.push(request);
    switch (request.type) {
      case "subscribe":
        this.#reply(request.id, { trackId: this.#nextTrackId++ });
        return;
      case "pull-start": {
        this.pullId = request.pullId;
        this.credit = request.credit;
        this.#reply(request.id);
        const sources = request.trackIds.flatMap((trackId) => {
          const reader = this.#cache.get(trackId);
          return reader === undefined ? [] : [{ trackId, reader, exclusive: () => true }];
        });
        // The worker starts pulling once it has the request (later than postMessage).
        if (sources.length > 0)
          queueMicrotask(() => this.#startWorkerPull(request.pullId, sources, request.credit ?? 2));
        return;
      }
      case "pull-release":
        this.workerPull?.release(request.segmentKey);
        return;
      case "pull-close":
        this.workerPull?.close();
        return;
      default:
        if ("id" in request) this.#reply(request.id);
    }
  }

  addEventListener(_type: "message", listener: Listener): void {
    this.#listeners.push(listener);
  }

  start(): void {}

  emit(event: WorkerEvent): void {
    if (event.type === "pulled-open")
      this.opened.push({ segmentKey: event.segmentKey, trackId: event.trackId, sequence: event.sequence });
    for (const listener of this.#listeners) listener({ data: event });
  }

  /** Scripted: the worker hands over a segment. Returns its key. */
  open(trackId: number, sequence: number, priority = 1): number {
    const segmentKey = this.#nextKey++;
    this.emit({ type: "pulled-open", pullId: this.#pull(), segmentKey, trackId, sequence, priority });
    return segmentKey;
  }

  chunk(segmentKey: number, bytes: Uint8Array): void {
    this.emit({ type: "pulled-chunk", pullId: this.#pull(), segmentKey, bytes, at: performance.timeOrigin });
  }

  end(segmentKey: number, error?: ErrorInfo): void {
    this.emit(
      error === undefined
        ? { type: "pulled-end", pullId: this.#pull(), segmentKey }
        : { type: "pulled-end", pullId: this.#pull(), segmentKey, error },
    );
  }

  /** The segment keys the page released, in order. */
  get released(): number[] {
    return this.sent.flatMap((message) => (message.type === "pull-release" ? [message.segmentKey] : []));
  }

  #pull(): number {
    if (this.pullId === undefined) throw new Error("no pull started");
    return this.pullId;
  }

  #reply(id: number, value?: unknown): void {
    // A port delivers later, never inside postMessage.
    queueMicrotask(() =>
      this.emit(
        value === undefined ? { type: "reply", id, ok: true } : ({ type: "reply", id, ok: true, value } as WorkerEvent),
      ),
    );
  }

  /** What the worker's service does at pull-start (service.ts #startPull), minus the byte ownership. */
  #startWorkerPull(pullId: number, sources: ConstructorParameters<typeof WorkerPull>[1], credit: number): void {
    const pull = new WorkerPull(
      pullId,
      sources,
      credit,
      {
        open: (segmentKey, trackId, sequence, priority) =>
          this.emit({ type: "pulled-open", pullId, segmentKey, trackId, sequence, priority }),
        chunk: (segmentKey, bytes) =>
          this.emit({ type: "pulled-chunk", pullId, segmentKey, bytes: bytes.slice(), at: performance.timeOrigin }),
        end: (segmentKey, error) =>
          this.emit(
            error === undefined
              ? { type: "pulled-end", pullId, segmentKey }
              : { type: "pulled-end", pullId, segmentKey, error },
          ),
      },
      () => this.#nextKey++,
    );
    this.workerPull = pull;
    void pull.run();
  }
}

/** Lets every promise chain (client, pulls, feed) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 100; i++) await Promise.resolve();
}

async function advance(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await settle();
}

interface Setup {
  port: FakeWorkerPort;
  client: WorkerClient;
  video: RemoteTrack;
  audio: RemoteTrack;
  pull: Pull;
  feed: VideoFeed;
  /** Sequences of the video segments the pull handed over, in order. */
  offered: number[];
  /** "group:index", with K for a key frame. */
  decoded: string[];
  errors: unknown[];
  state: { offset: number; skipped: number };
}

/**
 * Subscribes a video and an audio track, pulls both with credit 2 and routes the segments as
 * player.ts does: video into the feed, anything else cancelled here (the audio path is not tested).
 * `cache`: the worker's tracks by the track ids subscribe() hands out (1: video, 2: audio).
 */
async function setup(cache?: Map<number, ReturnType<typeof createTrack>[1]>): Promise<Setup> {
  const port = new FakeWorkerPort(cache);
  const client = new WorkerClient(port);
  const video = await client.subscribe({ namespace: NAMESPACE, name: "video" }, { priority: 1 });
  const audio = await client.subscribe({ namespace: NAMESPACE, name: "audio" }, { priority: 0 });
  const decoded: string[] = [];
  const errors: unknown[] = [];
  const state = { offset: 10_000, skipped: 0 };
  const offered: number[] = [];
  const feed = new VideoFeed({
    now: () => performance.now(),
    dueMs: (timestampUs) => timestampUs / 1000 + state.offset,
    decode: (timestampUs, _data, key) => {
      const ms = timestampUs / 1000;
      const group = Math.floor(ms / 1000);
      decoded.push(`${group}:${Math.round((ms - group * 1000) / 33)}${key ? "K" : ""}`);
    },
    received: () => undefined,
    skipped: () => {
      state.skipped++;
    },
    segmentError: (error) => errors.push(error),
    setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  });
  const pull = client.pull([video, audio], { credit: 2 });
  void (async () => {
    for (;;) {
      const segment = await pull.next();
      if (segment === undefined) return;
      if (segment.trackId === video.id) {
        offered.push(segment.sequence);
        feed.offer(segment);
      } else segment.cancel();
    }
  })();
  await settle();
  return { port, client, video, audio, pull, feed, offered, decoded, errors, state };
}

/** Writes group `sequence` of a cache track: frames `0..frames-1`, ended unless `open`. */
function writeGroup(track: TrackPublisher, sequence: number, frames: number, open = false) {
  const segment = track.createSegment({ sequence, priority: 1 });
  for (let index = 0; index < frames; index++) segment.writeChunk(chunkOf(sequence, index));
  if (!open) segment.close();
  return segment;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("pulled video segments into the VideoFeed (scripted worker)", () => {
  it("starts the pull with credit 2 over the tracks, the video first", async () => {
    const s = await setup();
    const start = s.port.sent.find((message) => message.type === "pull-start");
    expect(start).toMatchObject({ type: "pull-start", trackIds: [s.video.id, s.audio.id], credit: 2 });
  });

  it("feeds segments in the pull's order; an older one is released at once, a finished one when read to its end", async () => {
    const s = await setup();
    const five = s.port.open(s.video.id, 5);
    s.port.chunk(five, chunkOf(5, 0));
    s.port.chunk(five, chunkOf(5, 1));
    const four = s.port.open(s.video.id, 4); // the cache's next: older
    s.port.chunk(four, chunkOf(4, 0));
    await settle();
    expect(s.offered).toEqual([5, 4]);
    expect(s.port.released).toEqual([four]);
    expect(s.decoded).toEqual(["5:0K", "5:1"]);
    // Chunks and the end of a released segment are dropped by the page.
    s.port.chunk(four, chunkOf(4, 1));
    s.port.end(four);
    const six = s.port.open(s.video.id, 6);
    s.port.chunk(six, chunkOf(6, 0));
    await settle();
    expect(s.offered).toEqual([5, 4, 6]);
    // Six waits: five is on time.
    expect(s.decoded).toEqual(["5:0K", "5:1"]);
    expect(s.port.released).toEqual([four]);
    s.port.chunk(five, chunkOf(5, 2));
    s.port.end(five);
    await settle();
    expect(s.port.released).toEqual([four, five]);
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2", "6:0K"]);
    s.port.chunk(six, chunkOf(6, 1));
    s.port.end(six);
    await settle();
    expect(s.port.released).toEqual([four, five, six]);
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2", "6:0K", "6:1"]);
    expect(s.state.skipped).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it("releases the segment being read as soon as a newer one arrives while behind", async () => {
    const s = await setup();
    const five = s.port.open(s.video.id, 5);
    s.port.chunk(five, chunkOf(5, 0));
    await settle();
    s.state.offset = -10_000;
    const six = s.port.open(s.video.id, 6);
    s.port.chunk(six, chunkOf(6, 0));
    await settle();
    // Between frames only a stall would end five; its next frame arrives overdue and ends it.
    expect(s.port.released).toEqual([]);
    s.port.chunk(five, chunkOf(5, 1));
    await settle();
    expect(s.port.released).toEqual([five]);
    expect(s.state.skipped).toBe(1);
    // What the worker still sends of it (in flight) is never decoded.
    s.port.chunk(five, chunkOf(5, 2));
    s.port.end(five);
    await settle();
    expect(s.decoded).toEqual(["5:0K", "6:0K"]);
    expect(s.port.released).toEqual([five]);
  });

  it("releases a stalled segment after STALL_MS once a newer one waits", async () => {
    const s = await setup();
    const five = s.port.open(s.video.id, 5);
    s.port.chunk(five, chunkOf(5, 0));
    await settle();
    const six = s.port.open(s.video.id, 6);
    s.port.chunk(six, chunkOf(6, 0));
    await advance(STALL_MS - 1);
    expect(s.port.released).toEqual([]);
    await advance(STALL_MS / 2);
    expect(s.port.released).toEqual([five]);
    expect(s.decoded).toEqual(["5:0K", "6:0K"]);
  });

  it("a malformed chunk: the segment is released, segmentError, and the next segment is read", async () => {
    const s = await setup();
    const five = s.port.open(s.video.id, 5);
    s.port.chunk(five, chunkOf(5, 0));
    s.port.chunk(five, new Uint8Array(0));
    await settle();
    expect(s.errors).toHaveLength(1);
    expect(s.port.released).toEqual([five]);
    const six = s.port.open(s.video.id, 6);
    s.port.chunk(six, chunkOf(6, 0));
    await settle();
    expect(s.decoded).toEqual(["5:0K", "6:0K"]);
  });

  it("a segment cut short in the worker: segmentError with the worker's error, the next segment is read", async () => {
    const s = await setup();
    const five = s.port.open(s.video.id, 5);
    s.port.chunk(five, chunkOf(5, 0));
    const six = s.port.open(s.video.id, 6);
    s.port.chunk(six, chunkOf(6, 0));
    await settle();
    s.port.end(five, { code: "segment-error", message: "reset upstream" });
    await settle();
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatchObject({ code: "segment-error" });
    expect(s.port.released).toEqual([five]);
    expect(s.decoded).toEqual(["5:0K", "6:0K"]);
  });

  it("a segment of another track is released at once", async () => {
    const s = await setup();
    const audio = s.port.open(s.audio.id, 9, 0);
    await settle();
    expect(s.port.released).toEqual([audio]);
    expect(s.offered).toEqual([]);
  });

  it("stopping (pull closed, feed reset) sends pull-close and no release after it", async () => {
    const s = await setup();
    const five = s.port.open(s.video.id, 5);
    s.port.chunk(five, chunkOf(5, 0));
    const six = s.port.open(s.video.id, 6);
    await settle();
    // player.ts #stopMedia: the pull first, then the feed.
    s.pull.close();
    s.feed.reset();
    await settle();
    const close = s.port.sent.findIndex((message) => message.type === "pull-close");
    expect(close).toBeGreaterThan(-1);
    expect(s.port.sent.slice(close).filter((message) => message.type === "pull-release")).toEqual([]);
    expect(six).toBeGreaterThan(five);
    expect(s.errors).toEqual([]);
    expect(s.decoded).toEqual(["5:0K"]);
  });
});

describe("pulled video segments into the VideoFeed (the worker's Pull over a cache track)", () => {
  /** Track 1 is the video (subscribed first), track 2 the audio. */
  function cacheTracks() {
    const [videoIn, videoOut] = createTrack("video");
    const [audioIn, audioOut] = createTrack("audio");
    const cache = new Map([
      [1, videoOut],
      [2, audioOut],
    ]);
    return { videoIn, audioIn, cache };
  }

  /** Video segments the worker handed over that the page has not released. */
  function openVideo(port: FakeWorkerPort): number {
    return port.opened.filter((open) => open.trackId === 1 && !port.released.includes(open.segmentKey)).length;
  }

  it("hands over the newest group first; the older cached ones are released unread; the next is read once it starts", async () => {
    const { videoIn, cache } = cacheTracks();
    writeGroup(videoIn, 3, 5);
    writeGroup(videoIn, 4, 5);
    const five = writeGroup(videoIn, 5, 2, true);
    const s = await setup(cache);
    await settle();
    expect(s.offered).toEqual([5, 4, 3]);
    expect(s.decoded).toEqual(["5:0K", "5:1"]);
    expect(openVideo(s.port)).toBe(1);
    // The next group starts: handed over at once (credit for two), it waits while five is on time.
    five.writeChunk(chunkOf(5, 2));
    const six = writeGroup(videoIn, 6, 1, true);
    await settle();
    expect(s.offered).toEqual([5, 4, 3, 6]);
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2"]);
    expect(openVideo(s.port)).toBe(2);
    // A third group waits in the worker: both credits are taken.
    const seven = writeGroup(videoIn, 7, 1, true);
    await settle();
    expect(s.offered).toEqual([5, 4, 3, 6]);
    // Five ends: its credit returns, six is read from its key frame and seven comes as the next.
    five.close();
    await settle();
    expect(s.offered).toEqual([5, 4, 3, 6, 7]);
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2", "6:0K"]);
    expect(openVideo(s.port)).toBe(2);
    six.writeChunk(chunkOf(6, 1));
    six.close();
    seven.close();
    await settle();
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2", "6:0K", "6:1", "7:0K"]);
    expect(openVideo(s.port)).toBe(0);
    expect(s.state.skipped).toBe(0);
    expect(s.errors).toEqual([]);
    s.pull.close();
  });

  it("behind: the group being read is released when the next one starts, and the next is read from its key frame", async () => {
    const { videoIn, cache } = cacheTracks();
    const five = writeGroup(videoIn, 5, 3, true);
    const s = await setup(cache);
    await settle();
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2"]);
    s.state.offset = -10_000;
    writeGroup(videoIn, 6, 2, true);
    await settle();
    // Between frames only a stall would end five: it is still being read.
    expect(s.state.skipped).toBe(0);
    // Its next frame arrives overdue: five is released there, undecoded, and six read from its key frame.
    five.writeChunk(chunkOf(5, 3));
    await settle();
    expect(s.state.skipped).toBe(1);
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2", "6:0K", "6:1"]);
    // Five's credit came back at once: seven is handed over while six is still open.
    writeGroup(videoIn, 7, 1, true);
    await settle();
    expect(s.offered).toEqual([5, 6, 7]);
    // Six, still open, delivers nothing more: it is abandoned once it has stalled.
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2", "6:0K", "6:1"]);
    await advance(STALL_MS);
    expect(s.decoded).toEqual(["5:0K", "5:1", "5:2", "6:0K", "6:1", "7:0K"]);
    expect(s.state.skipped).toBe(2);
    s.pull.close();
  });

  it("audio (priority 0) is handed over before video; the video credit is the video track's own", async () => {
    const { videoIn, audioIn, cache } = cacheTracks();
    writeGroup(videoIn, 5, 1, true);
    const audio = audioIn.createSegment({ sequence: 50, priority: 0 });
    audio.writeChunk(chunkOf(50, 0));
    const s = await setup(cache);
    await settle();
    // The audio segment came first (the router here releases it: no audio path in this test).
    expect(s.port.opened.map((open) => `${open.trackId}:${open.sequence}`)).toEqual(["2:50", "1:5"]);
    expect(s.port.released).toEqual([s.port.opened[0]?.segmentKey]);
    expect(s.offered).toEqual([5]);
    // Video credit is per track: the next video group is handed over while five is open.
    writeGroup(videoIn, 6, 1, true);
    await settle();
    expect(s.offered).toEqual([5, 6]);
    expect(openVideo(s.port)).toBe(2);
    s.pull.close();
  });

  it("a group reset upstream: segmentError, its credit returns, the next group is read", async () => {
    const { videoIn, cache } = cacheTracks();
    const five = writeGroup(videoIn, 5, 1, true);
    const s = await setup(cache);
    await settle();
    five.close(CacheError.reset(7, "upstream reset"));
    await settle();
    expect(s.errors).toHaveLength(1);
    writeGroup(videoIn, 6, 1);
    await settle();
    expect(s.decoded).toEqual(["5:0K", "6:0K"]);
    s.pull.close();
  });
});
