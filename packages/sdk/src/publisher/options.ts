// The Publisher's options: their types, their defaults (shared with the worker's pipeline) and
// their validation, which names the bad field in a PublisherError("bad-argument").
import { broadcastNamespace, checkBroadcastAddress } from "../worker/address.ts";
import type { AudioOptions, VideoOptions } from "../worker/protocol.ts";
import { PublisherError } from "./errors.ts";

export type { AudioOptions, VideoOptions } from "../worker/protocol.ts";

export interface PublisherOptions {
  /** http://host:port/ (local relay: its certificate hash is fetched) or https://… */
  relay: string;
  /** Hex SHA-256 of the relay's certificate, for https:// with a self-signed certificate. */
  certificateHashes?: string[];
  /** Broadcast path "a/b/name": the namespace ["a", "b", "name"]. */
  name: string;
  video?: false | VideoOptions;
  audio?: false | AudioOptions;
  /** How long a media segment may wait in the worker for the network (ms, from its first frame; default 2000). */
  ttlMs?: number;
  /**
   * Caps what the worker sends (kbit/s): for a shared uplink, or to see what a slow network does.
   * The most important, newest segments go first; what cannot go in time expires in the worker.
   */
  sendRateKbps?: number;
  /** Capture from this stream instead of getUserMedia (tests, canvas capture). */
  stream?: MediaStream;
  /** Shows the local camera (muted). */
  preview?: HTMLVideoElement;
}

/**
 * H.264 first (Annex B: SPS/PPS in-band, so no decoder description, and hardware decoders
 * everywhere; Constrained Baseline, then High), then VP8, VP9 and AV1.
 */
export const DEFAULT_VIDEO_CODECS: readonly string[] = [
  "avc1.42e01f",
  "avc1.640028",
  "vp8",
  "vp09.00.10.08",
  "av01.0.04M.08",
];

export const DEFAULT_WIDTH = 640;
export const DEFAULT_HEIGHT = 480;
export const DEFAULT_FRAME_RATE = 30;

/**
 * One group of pictures per second. A late joiner starts at the newest key frame and a slow reader
 * skips ahead by whole groups, so the group length bounds both the join delay and the skip step;
 * @moq/publish uses 2 s. One second halves that wait for a few percent more bits (a key frame costs
 * several delta frames; measured in the README's notes).
 */
export const DEFAULT_KEY_FRAME_INTERVAL_MS = 1000;

/**
 * Two seconds: a group is kept until a second after it closes (the newest group is kept anyway
 * while it is written), long enough for a relay that reconnects to take the newest whole group,
 * short enough that nothing older than that goes out late.
 */
export const DEFAULT_TTL_MS = 2000;

/**
 * 20 ms Opus frames: half the objects (and, one group per frame, half the QUIC streams) of 10 ms,
 * with better quality per bit, for 10 ms more packetization delay.
 */
export const DEFAULT_AUDIO_FRAME_MS = 20;

export const DEFAULT_AUDIO_BITRATE_PER_CHANNEL = 32_000;

/** @moq/publish's rule: 0.07 bit per pixel at 30 fps (645 120 bit/s at 640x480), scaled per codec. */
export function defaultVideoBitrate(width: number, height: number, frameRate: number, codec: string): number {
  const rate = 30 + (frameRate - 30) / 2;
  const scale = codec.startsWith("av01") ? 0.6 : codec.startsWith("vp09") ? 0.8 : codec === "vp8" ? 1.1 : 1;
  return Math.round(width * height * 0.07 * rate * scale);
}

function bad(what: string): never {
  throw new PublisherError("bad-argument", what);
}

function optionalInteger(value: unknown, what: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    bad(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
}

function plainObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad(`${what} must be an object or false`);
  return value as Record<string, unknown>;
}

/** The broadcast path as a namespace: "a/b/name" → ["a", "b", "name"]. */
export function namespaceOf(name: string): string[] {
  return broadcastNamespace(name, bad);
}

/** Checks `options` (as the page passed them) and throws PublisherError("bad-argument") naming the bad field. */
export function checkOptions(options: unknown): PublisherOptions {
  const fields = plainObject(options, "options");
  checkBroadcastAddress(fields, bad);
  const video = fields.video;
  if (video !== undefined && video !== false) {
    const v = plainObject(video, "video");
    if (v.codecs !== undefined) {
      const codecs = v.codecs;
      if (
        !Array.isArray(codecs) ||
        codecs.length < 1 ||
        codecs.length > 16 ||
        codecs.some((codec) => typeof codec !== "string" || !/^[\x21-\x7e]{1,64}$/.test(codec))
      ) {
        bad("video.codecs must be an array of 1..16 codec strings");
      }
    }
    optionalInteger(v.width, "video.width", 16, 7680);
    optionalInteger(v.height, "video.height", 16, 4320);
    optionalInteger(v.frameRate, "video.frameRate", 1, 240);
    optionalInteger(v.bitrate, "video.bitrate", 10_000, 100_000_000);
    optionalInteger(v.keyFrameIntervalMs, "video.keyFrameIntervalMs", 100, 60_000);
  }
  const audio = fields.audio;
  if (audio !== undefined && audio !== false) {
    const a = plainObject(audio, "audio");
    optionalInteger(a.bitrate, "audio.bitrate", 6_000, 510_000);
    if (a.frameDurationMs !== undefined && a.frameDurationMs !== 10 && a.frameDurationMs !== 20) {
      bad("audio.frameDurationMs must be 10 or 20");
    }
  }
  if (video === false && audio === false) bad("video and audio are both false: nothing to publish");
  optionalInteger(fields.ttlMs, "ttlMs", 100, 600_000);
  optionalInteger(fields.sendRateKbps, "sendRateKbps", 8, 10_000_000);
  const keyFrames =
    video === undefined || video === false
      ? DEFAULT_KEY_FRAME_INTERVAL_MS
      : ((video as VideoOptions).keyFrameIntervalMs ?? DEFAULT_KEY_FRAME_INTERVAL_MS);
  // The group being written is kept anyway; the previous one must not expire the moment it closes.
  if (typeof fields.ttlMs === "number" && video !== false && fields.ttlMs < keyFrames) {
    bad(`ttlMs (${fields.ttlMs}) must be at least video.keyFrameIntervalMs (${keyFrames})`);
  }
  if (fields.stream !== undefined && (typeof MediaStream === "undefined" || !(fields.stream instanceof MediaStream))) {
    bad("stream must be a MediaStream");
  }
  if (
    fields.preview !== undefined &&
    (typeof HTMLVideoElement === "undefined" || !(fields.preview instanceof HTMLVideoElement))
  ) {
    bad("preview must be an HTMLVideoElement");
  }
  return fields as unknown as PublisherOptions;
}
