// Worker side: one broadcast's media pipeline. Chooses the video codec, runs the video and audio
// pipelines into their tracks' segments, writes the catalog whenever an encoder's configuration
// changes, and reports stats once a second. The worker's service owns the tracks and the network.
import type { TrackPublisher } from "../cache/index.ts";
import { decodeFrame } from "../container/index.ts";
import { WorkerError } from "../worker/errors.ts";
import type { MediaHost, MediaTracks, RunningMedia } from "../worker/media.ts";
import type { MediaErrorCode, MediaPublishRequest, MediaStats } from "../worker/protocol.ts";
import { AudioPipeline } from "./audio-pipeline.ts";
import { buildCatalog, CatalogWriter } from "./catalog-builder.ts";
import { WallClockAnchor, wallNowUs } from "./clock.ts";
import { chooseVideoCodec, type IsVideoConfigSupported } from "./codec.ts";
import {
  DEFAULT_AUDIO_FRAME_MS,
  DEFAULT_FRAME_RATE,
  DEFAULT_HEIGHT,
  DEFAULT_KEY_FRAME_INTERVAL_MS,
  DEFAULT_VIDEO_CODECS,
  DEFAULT_WIDTH,
  defaultVideoBitrate,
} from "./options.ts";
import { Segmenter } from "./segmenter.ts";
import { LatencyWindow, MediaCounters, WireTally } from "./stats.ts";
import { VideoPipeline } from "./video-pipeline.ts";

/** MoQT publisher priorities (lower is more important): a late audio frame is heard, a late picture only seen. */
export const CATALOG_PRIORITY = 0;
export const AUDIO_PRIORITY = 0;
export const VIDEO_PRIORITY = 1;

export const STATS_INTERVAL_MS = 1000;

export interface MediaPipelineHost extends MediaHost {
  /** Default: VideoEncoder.isConfigSupported. */
  isConfigSupported?: IsVideoConfigSupported;
}

export class MediaPipeline implements RunningMedia {
  readonly #host: MediaPipelineHost;
  readonly #counters = new MediaCounters();
  readonly #latency = new LatencyWindow();
  /** Video frames' capture → written to the session's stream (ms). */
  readonly #wireLatency = new LatencyWindow();
  readonly #wire = { video: new WireTally(this.#counters), audio: new WireTally(this.#counters) };
  readonly #catalog: CatalogWriter;
  #video: VideoPipeline | undefined;
  #audio: AudioPipeline | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  /**
   * The first group number of every track of this start: the wall clock in ms. A broadcast stopped
   * and started again must not number its groups from 0 again: a viewer (or relay) that still holds
   * the previous start's groups would take the new ones for duplicates and drop them (a player came
   * back audio-only: the catalog listing video had the number of one it already held). Groups come at
   * most every 20 ms (an Opus frame each), far slower than the clock's 1 per ms, so the numbers of a
   * later start are always higher.
   */
  readonly #firstSequence = Date.now();

  private constructor(host: MediaPipelineHost, catalogTrack: TrackPublisher, ttlMs: number) {
    this.#host = host;
    this.#catalog = new CatalogWriter(catalogTrack, CATALOG_PRIORITY, ttlMs, this.#firstSequence);
  }

  /**
   * Chooses the codec and starts encoding. Rejects with WorkerError "no-codec" when no codec of the
   * preference list encodes here (nothing is started then).
   */
  static async start(
    request: MediaPublishRequest,
    tracks: MediaTracks,
    host: MediaPipelineHost,
  ): Promise<MediaPipeline> {
    const pipeline = new MediaPipeline(host, tracks.catalog, request.ttlMs);
    const clock = new WallClockAnchor();
    const { video, audio } = request;
    if (video !== undefined && tracks.video !== undefined) {
      if (typeof VideoEncoder === "undefined" && host.isConfigSupported === undefined) {
        throw new WorkerError("no-codec", "this browser has no VideoEncoder (WebCodecs)");
      }
      const isSupported = host.isConfigSupported ?? ((config) => VideoEncoder.isConfigSupported(config));
      const codecs = video.codecs ?? DEFAULT_VIDEO_CODECS;
      const width = video.width ?? DEFAULT_WIDTH;
      const height = video.height ?? DEFAULT_HEIGHT;
      const frameRate = video.frameRate ?? DEFAULT_FRAME_RATE;
      let chosen: VideoEncoderConfig | undefined;
      for (const codec of codecs) {
        // The bitrate matters to some encoders' support answers: ask with the one it would get.
        const bitrate = video.bitrate ?? defaultVideoBitrate(width, height, frameRate, codec);
        chosen = await chooseVideoCodec([codec], { width, height, frameRate, bitrate }, isSupported);
        if (chosen !== undefined) break;
      }
      if (chosen === undefined) throw new WorkerError("no-codec", `none of ${codecs.join(", ")} encodes here`);
      pipeline.#video = new VideoPipeline({
        frames: video.frames,
        codec: chosen.codec,
        frameRate,
        bitrate: video.bitrate,
        keyFrameIntervalMs: video.keyFrameIntervalMs ?? DEFAULT_KEY_FRAME_INTERVAL_MS,
        segmenter: pipeline.#segmenter(tracks.video, VIDEO_PRIORITY, request.ttlMs, false),
        clock,
        counters: pipeline.#counters,
        latency: pipeline.#latency,
        onConfigured: () => pipeline.#writeCatalog(),
        onError: (code, message, fatal) => pipeline.#error("video", code, message, fatal),
      });
    }
    if (audio !== undefined && tracks.audio !== undefined) {
      pipeline.#audio = new AudioPipeline({
        frames: audio.frames,
        bitrate: audio.bitrate,
        frameDurationMs: audio.frameDurationMs ?? DEFAULT_AUDIO_FRAME_MS,
        segmenter: pipeline.#segmenter(tracks.audio, AUDIO_PRIORITY, request.ttlMs, true),
        clock,
        onConfigured: () => pipeline.#writeCatalog(),
        onError: (code, message, fatal) => pipeline.#error("audio", code, message, fatal),
      });
    }
    void pipeline.#video?.run();
    void pipeline.#audio?.run();
    pipeline.#timer = setInterval(() => host.post({ type: "media-stats", stats: pipeline.stats() }), STATS_INTERVAL_MS);
    return pipeline;
  }

  /** The catalog's JSON, once an encoder is configured. */
  get catalog(): string | undefined {
    return this.#catalog.json;
  }

  stats(): MediaStats {
    this.#wire.video.settle();
    this.#wire.audio.settle();
    const c = this.#counters;
    const stats: MediaStats = {
      framesCaptured: c.framesCaptured,
      framesEncoded: c.framesEncoded,
      framesDropped: c.framesDropped,
      segmentsSent: c.segmentsSent,
      segmentsExpired: c.segmentsExpired,
      bytesSent: c.bytesSent,
      encodeQueue: this.#video?.encodeQueue ?? 0,
      captureToEncodedMs: this.#latency.roll(),
      captureToWireMs: this.#wireLatency.roll(),
    };
    const video = this.#video?.configured;
    if (video !== undefined)
      stats.video = { codec: video.codec, width: video.width, height: video.height, bitrate: video.bitrate };
    const audio = this.#audio?.configured;
    if (audio !== undefined)
      stats.audio = {
        codec: audio.codec,
        sampleRate: audio.sampleRate,
        channels: audio.channels,
        bitrate: audio.bitrate,
      };
    return stats;
  }

  /**
   * A session wrote an object of our video or audio track to a subscriber's stream: counts it, and
   * for video measures capture → wire from the frame's wall-clock timestamp.
   */
  objectSent(kind: "video" | "audio", group: number, object: number, payload: Uint8Array): void {
    this.#wire[kind].sent(group, object, payload.byteLength);
    if (kind !== "video") return;
    try {
      this.#wireLatency.add((wallNowUs() - decodeFrame(payload).timestampUs) / 1000);
    } catch {
      // Not a frame of ours: nothing to measure.
    }
  }

  /** Stops capture and encoding and finishes the open segments (the caller ends the tracks). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#video?.stop();
    this.#audio?.stop();
  }

  #segmenter(track: TrackPublisher, priority: number, ttlMs: number, segmentPerFrame: boolean): Segmenter {
    const kind = segmentPerFrame ? "audio" : "video";
    const wire = this.#wire[kind];
    return new Segmenter(track, {
      priority,
      ttlMs,
      segmentPerFrame,
      firstSequence: this.#firstSequence,
      onSegmentStart: (sequence) => wire.began(sequence),
      onSegmentEnd: (sequence, frames, error) => {
        wire.finished(sequence, frames, ttlMs);
        if (error !== undefined) this.#error(kind, "segment-error", `segment lost: ${String(error)}`, false);
      },
    });
  }

  #writeCatalog(): void {
    try {
      const catalog = buildCatalog(this.#video?.configured, this.#audio?.configured);
      if (this.#catalog.write(catalog)) this.#host.post({ type: "media-catalog", catalog: this.#catalog.json ?? "" });
    } catch (error) {
      this.#error("video", "segment-error", `catalog not written: ${String(error)}`, false);
    }
  }

  #error(kind: "video" | "audio", code: MediaErrorCode, message: string, fatal: boolean): void {
    if (this.#stopped) return;
    this.#host.post({ type: "media-error", code, message, fatal, kind });
  }
}
