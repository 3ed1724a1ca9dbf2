// The broadcast's catalog, built from the encoders' actual configurations, in the layout
// @moq/publish writes (so @moq/watch reads it), and a writer that puts each new version of it in a
// new group of the `catalog.json` track.
import type { SegmentInfo, SegmentPublisher } from "../cache/index.ts";
import { AUDIO_TRACK, type Catalog, encodeCatalog, VIDEO_TRACK } from "../catalog/index.ts";

export interface EncodedVideo {
  codec: string;
  width: number;
  height: number;
  frameRate: number;
  bitrate: number;
}

export interface EncodedAudio {
  codec: string;
  sampleRate: number;
  channels: number;
  bitrate: number;
  frameDurationMs: number;
}

export function buildCatalog(video: EncodedVideo | undefined, audio: EncodedAudio | undefined): Catalog {
  const catalog: { video?: Catalog["video"]; audio?: Catalog["audio"] } = {};
  if (video !== undefined) {
    catalog.video = {
      renditions: {
        [VIDEO_TRACK]: {
          codec: video.codec,
          container: { kind: "legacy" },
          codedWidth: video.width,
          codedHeight: video.height,
          framerate: video.frameRate,
          bitrate: video.bitrate,
          // The encoder runs in realtime mode and the stream has no B-frames: decode without holding back.
          optimizeForLatency: true,
          // A frame may wait up to one frame interval before it is sent (as @moq/publish says).
          jitter: Math.ceil(1000 / video.frameRate),
        },
      },
      display: { width: video.width, height: video.height },
      flip: false,
    };
  }
  if (audio !== undefined) {
    catalog.audio = {
      renditions: {
        [AUDIO_TRACK]: {
          codec: audio.codec,
          container: { kind: "legacy" },
          sampleRate: audio.sampleRate,
          numberOfChannels: audio.channels,
          bitrate: audio.bitrate,
          jitter: audio.frameDurationMs,
        },
      },
    };
  }
  return catalog;
}

/** Where catalog groups go: the `catalog.json` cache track. */
export interface CatalogTrack {
  createSegment(info: SegmentInfo): SegmentPublisher;
}

/** Writes the catalog as one object in a new group each time it changes (sequence first, first + 1, …). */
export class CatalogWriter {
  readonly #track: CatalogTrack;
  readonly #priority: number;
  readonly #ttlMs: number;
  #json: string | undefined;
  #next: number;

  /** `firstSequence`: the first group's number (default 0; a publisher numbers each start from its clock). */
  constructor(track: CatalogTrack, priority: number, ttlMs: number, firstSequence = 0) {
    this.#track = track;
    this.#priority = priority;
    this.#ttlMs = ttlMs;
    this.#next = firstSequence;
  }

  /** The current catalog's JSON, once one was written. */
  get json(): string | undefined {
    return this.#json;
  }

  /** Writes `catalog` if it differs from the last one; returns whether it did. Throws CatalogError. */
  write(catalog: Catalog): boolean {
    const bytes = encodeCatalog(catalog);
    const json = new TextDecoder().decode(bytes);
    if (json === this.#json) return false;
    // The track keeps its newest group whatever its time to live (late joiners get the catalog);
    // the time to live only lets an old version go once a newer one is there.
    const segment = this.#track.createSegment({
      sequence: this.#next++,
      priority: this.#priority,
      expiresMs: this.#ttlMs,
    });
    segment.writeChunk(bytes);
    segment.close();
    this.#json = json;
    return true;
  }
}
