// The live player: a moqkit worker owns WebTransport, the session and the track cache; this thread
// pulls the most important segment from it (audio before video, the newest group first), decodes
// with WebCodecs and paints each picture as soon as it is due. The catalog picks the renditions;
// the jitter buffer (playout-clock.ts) sets when a picture is due, the render scheduler
// (render-scheduler.ts) paints or drops it, the video feed (video-feed.ts) decides which group is
// read and skips forward when behind, and the audio path (audio/) plays through an AudioWorklet
// whose clock the pictures follow while the sound is audible.

import type { AudioRendition, Catalog, Container, RenditionEntry, VideoRendition } from "../catalog/index.ts";
import {
  audioDecoderConfig,
  audioRenditions,
  CATALOG_TRACK,
  isLegacyContainer,
  parseCatalog,
  videoRenditions,
} from "../catalog/index.ts";
import { decodeFrame } from "../container/index.ts";
import { concatBytes } from "../wire/bytes.ts";
import { type Pull, type PulledSegment, type RemoteTrack, WorkerClient } from "../worker/client.ts";
import { WorkerError } from "../worker/errors.ts";
import { AudioPlayback } from "./audio/playback.ts";
import { audioConfigSupported } from "./decoder-support.ts";
import { PlayerError, PlayerErrorEvent } from "./errors.ts";
import {
  checkLatency,
  checkOptions,
  checkVolume,
  DEFAULT_LATENCY_MS,
  namespaceOf,
  type PlayerOptions,
} from "./options.ts";
import { PlayoutClock } from "./playout-clock.ts";
import { RenderScheduler } from "./render-scheduler.ts";
import { emptyStats, type PlayerStats, WindowedSamples } from "./stats.ts";
import { canDecode, VideoDecoding } from "./video-decoding.ts";
import { VideoFeed } from "./video-feed.ts";

export type { PlayerOptions };

export type PlayerState =
  /** Created with autoplay false, play() not called yet. */
  | "idle"
  | "connecting"
  /** Connected; the broadcast is not live (yet). It plays when it starts. */
  | "waiting"
  /** The catalog is read and the decoders are set up; no picture painted yet. */
  | "buffering"
  /** A picture was painted (or, audio only, the sound started). */
  | "playing"
  /** Nothing is pulled; play() resumes at the live edge. */
  | "paused"
  /** The relay connection dropped; it resumes by itself. */
  | "reconnecting"
  /** The broadcast ended; it plays again if it comes back. */
  | "ended"
  /** A fatal error: see the "error" event and `player.error`. */
  | "failed"
  | "closed";

/** What the constructor may be given instead of the real thing (tests). */
export interface PlayerInternals {
  createClient?: () => WorkerClient;
  /**
   * Paint in the next requestAnimationFrame callback instead of at once (as @moq/watch does): only
   * for the benchmark that measures what painting at the due time saves.
   */
  paintOnAnimationFrame?: boolean;
}

/** How often the "stats" event fires (ms). */
const STATS_INTERVAL_MS = 500;
/** Window of the latency percentile (ms). */
const LATENCY_WINDOW_MS = 5000;
/** A timestamp within this of the page's Unix clock is taken as being on it (µs): the latency is then glass-to-glass. */
const SAME_CLOCK_US = 30_000_000;
/**
 * How far the audio clock may put a picture from its own schedule and still be followed (ms). Both
 * clocks measure the same path plus the same jitter buffer, so they normally agree within the audio
 * output's latency; beyond this the audio is stalled or refilling, and the pictures go on without it.
 */
const MAX_SYNC_OFFSET_MS = 200;
/** Frames whose arrival is remembered at most (a decoder that lost frames must not grow the map). */
const MAX_PENDING_ARRIVALS = 64;
/** Segments of one track the page may hold open at once: the group being read and the next one. */
const PULL_CREDIT = 2;

interface Media {
  readonly pull: Pull;
  readonly videoTrackId: number | undefined;
  readonly audioTrackId: number | undefined;
}

/**
 * Plays a live MoQ broadcast into a canvas. Events: "statechange", "error" (PlayerErrorEvent),
 * "stats" (twice a second).
 */
export class Player extends EventTarget {
  readonly canvas: HTMLCanvasElement;
  readonly #options: PlayerOptions;
  readonly #namespace: string[];
  readonly #internals: PlayerInternals;
  readonly #context: CanvasRenderingContext2D;
  readonly #clock: PlayoutClock;
  readonly #scheduler: RenderScheduler<VideoFrame>;
  readonly #feed: VideoFeed;
  readonly #latencies = new WindowedSamples(LATENCY_WINDOW_MS);
  #client: WorkerClient | undefined;
  #state: PlayerState = "idle";
  #error: PlayerError | undefined;
  #catalog: Catalog | undefined;
  #catalogKey = "";
  #catalogTrack: RemoteTrack | undefined;
  #mediaTracks: RemoteTrack[] = [];
  #media: Media | undefined;
  #video: VideoDecoding | undefined;
  #audio: AudioPlayback | undefined;
  #videoEntry: RenditionEntry<VideoRendition> | undefined;
  #audioEntry: RenditionEntry<AudioRendition> | undefined;
  #muted: boolean;
  #volume: number;
  #paused: boolean;
  #everPlayed = false;
  #lastLatencyMs = Number.NaN;
  #bytes = 0;
  #skipped = 0;
  #framesDecoded = 0;
  #newestVideoTs = Number.NEGATIVE_INFINITY;
  #trackStatus = new Map<number, "active" | "waiting">();
  /** Arrival time (page ms) of each frame in the decoder, by timestamp. */
  readonly #arrivals = new Map<number, number>();
  #firstPaint: { resolve: () => void; reject: (error: Error) => void; promise: Promise<void> } | undefined;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  /** Bumped whenever the media is torn down: work of an older generation stops. */
  #generation = 0;

  /**
   * Starts the worker the next Player will take (a worker's start-up is ~70–120 ms of a cold start
   * here): call it when playback is likely soon, e.g. at page load or when the user nears Play.
   * Every Player's worker is also replaced by a new spare a moment after it is taken.
   */
  static prewarm(): void {
    WorkerClient.prewarm();
  }

  /**
   * Throws PlayerError("bad-argument") naming a bad option. Starts at once unless `autoplay` is
   * false; then, unless `preload` is false too, it connects and subscribes anyway, so play() starts
   * from what the worker already holds.
   */
  constructor(options: PlayerOptions, internals: PlayerInternals = {}) {
    super();
    this.#options = checkOptions(options);
    this.#namespace = namespaceOf(options.name);
    this.#internals = internals;
    this.#muted = options.muted ?? false;
    this.#volume = options.volume ?? 1;
    this.#paused = options.autoplay === false;
    this.canvas = options.canvas ?? createCanvas(options.container);
    const context = this.canvas.getContext("2d", { alpha: false, desynchronized: true });
    if (context === null) throw new PlayerError("failed", "the canvas has no 2d context");
    this.#context = context;
    this.#clock = new PlayoutClock(options.latency ?? DEFAULT_LATENCY_MS);
    this.#scheduler = new RenderScheduler<VideoFrame>({
      now: () => performance.now(),
      setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      dueMs: (timestampUs, nowMs) => this.#dueMs(timestampUs, nowMs),
      moreComing: () => (this.#video?.pending ?? 0) > 0,
      paint: (frame) => this.#paint(frame),
    });
    this.#feed = new VideoFeed({
      now: () => performance.now(),
      dueMs: (timestampUs, nowMs) => this.#dueMs(timestampUs, nowMs),
      decode: (timestampUs, data, key, arrivalMs) => {
        this.#newestVideoTs = Math.max(this.#newestVideoTs, timestampUs);
        if (this.#video?.decode(timestampUs, data, key) === true) this.#arrivals.set(timestampUs, arrivalMs);
      },
      received: (bytes) => {
        this.#bytes += bytes;
      },
      skipped: () => {
        this.#skipped++;
        this.#scheduler.catchUp();
      },
      segmentError: () => {
        // A malformed or cut group: the decoder starts again at the next key frame.
        this.#video?.reset();
      },
      setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    });
    if (!this.#paused) void this.play().catch(() => undefined);
    else if (options.preload !== false) void this.#start();
  }

  get state(): PlayerState {
    return this.#state;
  }

  /** The last error (fatal or not), if any. */
  get error(): PlayerError | undefined {
    return this.#error;
  }

  get catalog(): Catalog | undefined {
    return this.#catalog;
  }

  /**
   * Connected, the catalog read and the chosen tracks subscribed: play() starts from what the worker
   * already holds (true early when preloading, see the `preload` option).
   */
  get ready(): boolean {
    return this.#client !== undefined && this.#mediaTracks.length > 0;
  }

  get stats(): PlayerStats {
    const now = performance.now();
    const audio = this.#audio?.stats();
    const stats = emptyStats();
    stats.framesDecoded = this.#framesDecoded;
    stats.framesRendered = this.#scheduler.rendered;
    stats.framesDropped = this.#scheduler.dropped;
    stats.framesCaughtUp = this.#scheduler.caughtUp;
    stats.segmentsSkipped = this.#skipped;
    stats.audioUnderruns = audio?.underruns ?? 0;
    stats.audioFramesPlayed = audio?.framesPlayed ?? 0;
    stats.latencyMs = { last: this.#lastLatencyMs, p95: this.#latencies.quantile(0.95, now) };
    const shown = this.#scheduler.lastPaintedTimestamp;
    stats.bufferMs =
      this.#videoEntry !== undefined && Number.isFinite(shown) && Number.isFinite(this.#newestVideoTs)
        ? Math.max(0, (this.#newestVideoTs - shown) / 1000)
        : (audio?.bufferedMs ?? 0);
    stats.targetBufferMs = this.#clock.targetMs(now);
    stats.bytesReceived = this.#bytes;
    const video = this.#videoEntry;
    const rendition: PlayerStats["rendition"] = {};
    if (video !== undefined) {
      rendition.video = video.track;
      rendition.codec = video.rendition.codec;
      if (video.rendition.codedWidth !== undefined) rendition.width = video.rendition.codedWidth;
      if (video.rendition.codedHeight !== undefined) rendition.height = video.rendition.codedHeight;
    }
    if (this.#audioEntry !== undefined) rendition.audio = this.#audioEntry.track;
    stats.rendition = rendition;
    return stats;
  }

  get muted(): boolean {
    return this.#muted;
  }

  set muted(value: boolean) {
    if (typeof value !== "boolean") throw new PlayerError("bad-argument", "muted must be a boolean");
    this.#muted = value;
    if (this.#audio !== undefined) this.#audio.muted = value;
  }

  get volume(): number {
    return this.#volume;
  }

  set volume(value: number) {
    this.#volume = checkVolume(value);
    if (this.#audio !== undefined) this.#audio.volume = value;
  }

  /** The jitter buffer's floor (ms); applied at once. */
  get latency(): number {
    return this.#clock.latencyMs;
  }

  set latency(value: number) {
    this.#clock.latencyMs = checkLatency(value);
    this.#scheduler.poke();
  }

  /**
   * Starts (or resumes, at the live edge) playback; resolves once a picture is painted (or, without
   * video, the sound started). Rejects with a PlayerError if the player fails, or if it is paused or
   * closed first.
   */
  play(): Promise<void> {
    if (this.#state === "closed") return Promise.reject(new PlayerError("failed", "the player is closed"));
    this.#paused = false;
    const first = this.#awaitFirstPaint();
    if (this.#state === "failed" || (this.#state === "idle" && this.#client === undefined)) {
      this.#error = undefined;
      this.#setState("connecting");
      void this.#start();
    } else if (this.#state === "paused" || this.#state === "idle") {
      void this.#audio?.resume();
      if (this.#mediaTracks.length > 0) {
        // Preloaded (or paused): the worker holds the newest group already.
        this.#setState("buffering");
        this.#startMedia();
      } else {
        this.#setState(this.#client?.state.state === "connected" ? "waiting" : "connecting");
      }
    } else if (this.#state === "playing") {
      this.#firstPaint?.resolve();
    }
    return first;
  }

  /** Stops pulling and painting; the worker stays connected, so play() resumes at once, at the live edge. */
  pause(): void {
    if (this.#state === "closed" || this.#state === "failed" || this.#paused) return;
    this.#paused = true;
    this.#stopMedia();
    void this.#audio?.pause();
    this.#firstPaint?.reject(new PlayerError("failed", "paused before the first picture"));
    this.#firstPaint = undefined;
    this.#setState(this.#client === undefined ? "idle" : "paused");
  }

  /** Stops everything and lets go of the worker. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#setState("closed");
    this.#firstPaint?.reject(new PlayerError("failed", "the player was closed"));
    this.#firstPaint = undefined;
    // The decoder is closed first: stopping the media would otherwise reset and reconfigure it for nothing.
    this.#video?.close();
    this.#video = undefined;
    this.#stopMedia();
    if (this.#statsTimer !== undefined) clearInterval(this.#statsTimer);
    const audio = this.#audio;
    this.#audio = undefined;
    const client = this.#client;
    this.#client = undefined;
    await Promise.allSettled([audio?.close(), client?.close()]);
  }

  #awaitFirstPaint(): Promise<void> {
    if (this.#firstPaint !== undefined) return this.#firstPaint.promise;
    let resolve = (): void => undefined;
    let reject = (_error: Error): void => undefined;
    const promise = new Promise<void>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    promise.catch(() => undefined);
    const first = { promise, resolve, reject };
    this.#firstPaint = first;
    return promise;
  }

  async #start(): Promise<void> {
    const client = this.#internals.createClient?.() ?? WorkerClient.dedicated();
    this.#client = client;
    this.#statsTimer ??= setInterval(() => this.dispatchEvent(new Event("stats")), STATS_INTERVAL_MS);
    client.onState((change) => this.#connectionChanged(change.state, change.error));
    client.onTrack((change) => this.#trackChanged(change.trackId, change.status, change.error));
    try {
      const connected = client.connect(this.#options.relay, {
        ...(this.#options.certificateHashes === undefined
          ? {}
          : { certificateHashes: this.#options.certificateHashes }),
      });
      // Asked at once, not after connect() resolves: the worker holds the subscription and sends it the
      // moment the session is up, which saves a round trip to the worker on the way to the first picture.
      const catalogTrack = client.subscribe({ namespace: this.#namespace, name: CATALOG_TRACK }, { priority: 0 });
      catalogTrack.catch(() => undefined);
      await connected;
      if (this.#client !== client) return;
      this.#catalogTrack = await catalogTrack;
      if (this.#client !== client) return;
      if (this.#state === "connecting") this.#setState("waiting");
      void this.#readCatalogs(client, this.#catalogTrack);
    } catch (error) {
      if (this.#client === client) this.#fail(toPlayerError(error));
    }
  }

  /** Reads every catalog version the worker holds or receives; the newest wins. */
  async #readCatalogs(client: WorkerClient, track: RemoteTrack): Promise<void> {
    const pull = client.pull([track], { credit: 1 });
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const segment = await pull.next();
        if (segment === undefined || this.#client !== client) return;
        const parts: Uint8Array[] = [];
        try {
          for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk())
            parts.push(chunk);
        } catch {
          continue; // Cut short: the next version comes.
        }
        const bytes = concatBytes(...parts);
        const text = decoder.decode(bytes);
        if (text === this.#catalogKey) continue;
        let catalog: Catalog;
        try {
          catalog = parseCatalog(bytes);
        } catch (error) {
          this.#report(new PlayerError("failed", `the broadcast's catalog is invalid: ${String(error)}`));
          continue;
        }
        this.#catalogKey = text;
        this.#catalog = catalog;
        await this.#applyCatalog(client, catalog);
      }
    } catch (error) {
      if (this.#client === client && this.#state !== "closed") this.#fail(toPlayerError(error));
    } finally {
      pull.close();
    }
  }

  /** Picks the renditions this browser decodes and (re)starts the media when they changed. */
  async #applyCatalog(client: WorkerClient, catalog: Catalog): Promise<void> {
    const [video, audio] = await Promise.all([
      firstDecodable(videoRenditions(catalog), canDecode),
      firstDecodable(audioRenditions(catalog), canDecodeAudio),
    ]);
    if (this.#client !== client) return;
    const offered = [...videoRenditions(catalog), ...audioRenditions(catalog)];
    if (video === undefined && audio === undefined) {
      if (offered.length === 0) return; // A catalog without media yet (the encoder is starting).
      this.#fail(
        new PlayerError(
          "no-decodable-rendition",
          `this browser decodes none of the broadcast's renditions: ${offered
            .map((entry) => `${entry.track} (${entry.rendition.codec})`)
            .join(", ")}`,
        ),
      );
      return;
    }
    if (sameEntry(video, this.#videoEntry) && sameEntry(audio, this.#audioEntry)) return;
    this.#stopMedia();
    for (const track of this.#mediaTracks) void track.close().catch(() => undefined);
    this.#mediaTracks = [];
    this.#video?.close();
    this.#video = undefined;
    const oldAudio = this.#audio;
    this.#audio = undefined;
    void oldAudio?.close();
    this.#videoEntry = video;
    this.#audioEntry = audio;
    const generation = this.#generation;
    if (video !== undefined) {
      this.#video = new VideoDecoding(video.rendition, {
        output: (frame) => this.#decoded(frame),
        error: (error) => this.#report(new PlayerError("decode-error", error.message, { cause: error })),
      });
    }
    // Both subscriptions at once: each waits for the relay's answer.
    const subscribing: Promise<RemoteTrack>[] = [];
    if (video !== undefined)
      subscribing.push(client.subscribe({ namespace: this.#namespace, name: video.track }, { priority: 1 }));
    if (audio !== undefined)
      subscribing.push(client.subscribe({ namespace: this.#namespace, name: audio.track }, { priority: 0 }));
    const settled = await Promise.allSettled(subscribing);
    const tracks = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const failure = settled.find((result) => result.status === "rejected");
    if (failure !== undefined) {
      for (const track of tracks) void track.close().catch(() => undefined);
      this.#fail(toPlayerError(failure.reason));
      return;
    }
    if (this.#client !== client || generation !== this.#generation) {
      for (const track of tracks) void track.close().catch(() => undefined);
      return;
    }
    this.#mediaTracks = tracks;
    if (audio !== undefined) void this.#startAudio(audio.rendition);
    if (!this.#paused) {
      this.#setState("buffering");
      this.#startMedia();
    }
  }

  async #startAudio(rendition: AudioRendition): Promise<void> {
    try {
      const audio = await AudioPlayback.create(rendition, {
        targetBufferMs: () => this.#clock.targetMs(performance.now()),
        muted: this.#muted,
        volume: this.#volume,
        onError: (error) => this.#report(new PlayerError("decode-error", error.message, { cause: error })),
      });
      if (this.#audioEntry?.rendition !== rendition || this.#state === "closed") {
        await audio.close();
        return;
      }
      this.#audio = audio;
      if (this.#paused) await audio.pause();
    } catch (error) {
      this.#report(new PlayerError("decode-error", `audio cannot play: ${String(error)}`, { cause: error }));
    }
  }

  /** Pulls the chosen tracks, most important first, and routes each segment to its reader. */
  #startMedia(): void {
    const client = this.#client;
    if (client === undefined || this.#media !== undefined || this.#mediaTracks.length === 0) return;
    this.#newTimeline();
    const [first, second] = this.#mediaTracks;
    const videoTrackId = this.#videoEntry === undefined ? undefined : first?.id;
    const audioTrackId =
      this.#audioEntry === undefined ? undefined : (this.#videoEntry === undefined ? first : second)?.id;
    const pull = client.pull(this.#mediaTracks, { credit: PULL_CREDIT });
    const media: Media = { pull, videoTrackId, audioTrackId };
    this.#media = media;
    void (async () => {
      try {
        for (;;) {
          const segment = await pull.next();
          if (segment === undefined || this.#media !== media) return;
          if (segment.trackId === videoTrackId) this.#feed.offer(segment);
          else if (segment.trackId === audioTrackId) void this.#readAudio(segment);
          else segment.cancel();
        }
      } catch (error) {
        if (this.#media === media) this.#report(toPlayerError(error));
      }
    })();
  }

  #stopMedia(): void {
    this.#generation++;
    const media = this.#media;
    this.#media = undefined;
    media?.pull.close();
    this.#feed.reset();
    this.#scheduler.flush(true);
    this.#video?.reset();
    this.#audio?.flush();
  }

  /** The next pictures may come from another timeline: measure the path anew, paint the first at once. */
  #newTimeline(): void {
    this.#clock.reset();
    this.#feed.reset();
    this.#scheduler.flush(true);
    this.#video?.reset();
    this.#audio?.flush();
    this.#newestVideoTs = Number.NEGATIVE_INFINITY;
  }

  async #readAudio(segment: PulledSegment): Promise<void> {
    try {
      for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk()) {
        this.#bytes += chunk.byteLength;
        const frame = decodeFrame(chunk);
        if (frame.data.byteLength > 0) this.#audio?.decode(frame.timestampUs, frame.data);
      }
    } catch {
      // A cut or malformed audio frame: the playout fills the gap with silence.
      segment.cancel();
    }
  }

  #decoded(frame: VideoFrame): void {
    this.#framesDecoded++;
    const arrival = this.#arrivals.get(frame.timestamp);
    this.#arrivals.delete(frame.timestamp);
    if (this.#arrivals.size > MAX_PENDING_ARRIVALS) this.#arrivals.clear();
    if (this.#media === undefined) {
      frame.close();
      return;
    }
    // The jitter buffer follows the network's spread, measured where frames arrive (the worker); a
    // stall of this thread or of the decoder makes a picture late, not the whole stream later.
    this.#clock.observe(frame.timestamp, arrival ?? performance.now(), (this.#video?.pending ?? 0) > 0);
    this.#scheduler.push(frame);
  }

  /**
   * When a picture is due: on the audio's clock while the sound is heard, else on the playout clock.
   * Audio that is far off the pictures' own schedule (it stalled, or is still refilling after a new
   * timeline) does not hold them back: past MAX_SYNC_OFFSET_MS the pictures keep their own clock.
   */
  #dueMs(timestampUs: number, nowMs: number): number {
    const own = this.#clock.dueMs(timestampUs, nowMs);
    if (!this.#muted && this.#audio !== undefined) {
      const head = this.#audio.playheadUs(nowMs);
      if (head !== undefined) {
        const byAudio = nowMs + (timestampUs - head) / 1000;
        if (Math.abs(byAudio - own) <= MAX_SYNC_OFFSET_MS) return byAudio;
      }
    }
    return own;
  }

  #paint(frame: VideoFrame): void {
    if (this.#internals.paintOnAnimationFrame === true) {
      const copy = frame.clone();
      requestAnimationFrame(() => {
        if (this.#state !== "closed") this.#draw(copy);
        copy.close();
      });
      return;
    }
    this.#draw(frame);
  }

  #draw(frame: VideoFrame): void {
    const canvas = this.canvas;
    if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
      canvas.width = frame.displayWidth;
      canvas.height = frame.displayHeight;
    }
    this.#context.drawImage(frame, 0, 0, canvas.width, canvas.height);
    // The publisher stamps with its worker's timeOrigin + now (publisher/clock.ts); the same clock here:
    // sub-millisecond, where Date.now() is whole milliseconds and follows a step of the system clock
    // that the publisher's clock, started before it, does not.
    const latencyUs = (performance.timeOrigin + performance.now()) * 1000 - frame.timestamp;
    if (Math.abs(latencyUs) < SAME_CLOCK_US) {
      this.#lastLatencyMs = latencyUs / 1000;
      this.#latencies.add(performance.now(), this.#lastLatencyMs);
    }
    // Only a start (or a return) plays: a picture still in the decoder when the broadcast ended does not.
    if (this.#state === "buffering" && !this.#paused) {
      this.#everPlayed = true;
      this.#setState("playing");
    }
    this.#firstPaint?.resolve();
    this.#firstPaint = undefined;
  }

  #connectionChanged(state: string, error: WorkerError | undefined): void {
    if (this.#state === "closed") return;
    if (state === "reconnecting") {
      if (!this.#paused) this.#setState("reconnecting");
    } else if (state === "connected") {
      if (this.#state === "reconnecting") this.#setState(this.#everPlayed ? "buffering" : "waiting");
    } else if (state === "closed" && error !== undefined) {
      this.#fail(toPlayerError(error));
    }
  }

  #trackChanged(trackId: number, status: "active" | "waiting", error: WorkerError | undefined): void {
    const before = this.#trackStatus.get(trackId);
    this.#trackStatus.set(trackId, status);
    if (this.#state === "closed" || this.#state === "failed") return;
    const isCatalog = trackId === this.#catalogTrack?.id;
    const isMedia = this.#mediaTracks.some((track) => track.id === trackId);
    if (!isCatalog && !isMedia) return;
    if (status === "waiting") {
      if (error?.code === "not-found" && !this.#everPlayed)
        this.#error = new PlayerError("broadcast-not-found", `no broadcast ${this.#options.name} yet: waiting for it`);
      if (this.#paused || this.#state === "reconnecting") return;
      this.#setState(this.#everPlayed ? "ended" : "waiting");
    } else if (before === "waiting" && isMedia) {
      // The broadcast is back (a restarted publisher, or a relay that came back): a new timeline.
      if (this.#media !== undefined) this.#newTimeline();
      if (!this.#paused && (this.#state === "ended" || this.#state === "waiting")) this.#setState("buffering");
    }
  }

  #setState(state: PlayerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.dispatchEvent(new Event("statechange"));
  }

  /** A non-fatal error: reported, playback goes on. */
  #report(error: PlayerError): void {
    this.#error = error;
    this.dispatchEvent(new PlayerErrorEvent(error));
  }

  #fail(error: PlayerError): void {
    if (this.#state === "closed") return;
    this.#stopMedia();
    this.#firstPaint?.reject(error);
    this.#firstPaint = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#catalogKey = "";
    this.#videoEntry = undefined;
    this.#audioEntry = undefined;
    this.#mediaTracks = [];
    void client?.close().catch(() => undefined);
    this.#error = error;
    this.#setState("failed");
    this.dispatchEvent(new PlayerErrorEvent(error));
  }
}

function createCanvas(container: HTMLElement | undefined): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 360;
  if (container !== undefined) {
    canvas.style.width = "100%";
    canvas.style.height = "auto";
    canvas.style.display = "block";
    container.append(canvas);
  }
  return canvas;
}

async function firstDecodable<R extends { container: Container }>(
  entries: RenditionEntry<R>[],
  decodable: (rendition: R) => Promise<boolean>,
): Promise<RenditionEntry<R> | undefined> {
  for (const entry of entries) {
    if (!isLegacyContainer(entry.rendition.container)) continue;
    if (await decodable(entry.rendition)) return entry;
  }
  return undefined;
}

function canDecodeAudio(rendition: AudioRendition): Promise<boolean> {
  return audioConfigSupported(audioDecoderConfig(rendition));
}

function sameEntry<R>(a: RenditionEntry<R> | undefined, b: RenditionEntry<R> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.track === b.track && JSON.stringify(a.rendition) === JSON.stringify(b.rendition);
}

/** Any error of the connection or the worker as a PlayerError. */
export function toPlayerError(error: unknown): PlayerError {
  if (error instanceof PlayerError) return error;
  if (error instanceof WorkerError) {
    switch (error.code) {
      case "connect-failed":
        // WebTransport does not say why a handshake failed; a certificate problem names itself at best.
        return /certificate|cert_|CERT/.test(error.message) && !/could not fetch/.test(error.message)
          ? new PlayerError("certificate-rejected", error.message, { cause: error })
          : new PlayerError("relay-unreachable", error.message, { cause: error });
      case "unauthorized":
        return new PlayerError("unauthorized", error.message, { cause: error });
      case "not-found":
        return new PlayerError("broadcast-not-found", error.message, { cause: error });
      case "bad-request":
        return new PlayerError("bad-argument", error.message, { cause: error });
      default:
        return new PlayerError("failed", error.message, { cause: error });
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PlayerError("failed", message, { cause: error });
}
