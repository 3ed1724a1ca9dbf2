// Checks what arrives over postMessage before the worker acts on it: a page (or any script that got
// hold of the worker) can send anything, and a bad message gets a "bad-request" error, never a crash.
import { hasLoneSurrogate } from "../session/names.ts";
import { WorkerError } from "./errors.ts";
import type {
  LivenessOptions,
  MediaAudioOptions,
  MediaPublishRequest,
  MediaVideoOptions,
  ReconnectOptions,
  TrackRef,
  WorkerRequest,
} from "./protocol.ts";

type Fields = Record<string, unknown>;

function fail(what: string): never {
  throw new WorkerError("bad-request", what);
}

function object(value: unknown, what: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Fields;
}

function integer(value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

function optionalInteger(value: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return value === undefined ? undefined : integer(value, what, min, max);
}

function string(value: unknown, what: string, maxLength = 8192): string {
  if (typeof value !== "string" || value.length > maxLength) fail(`${what} must be a string of at most ${maxLength}`);
  return value;
}

function bytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`${what} must be a Uint8Array`);
  return value;
}

/**
 * A namespace field or track name: a string sent as UTF-8. A lone surrogate would be sent as U+FFFD,
 * so two strings the worker keeps apart would name one track on the wire: refused.
 */
function name(value: unknown, what: string): string {
  const text = string(value, what, 4096);
  if (hasLoneSurrogate(text)) fail(`${what} is not well-formed Unicode (it has a lone surrogate)`);
  return text;
}

/** A track reference: 1..32 namespace fields and a name, as MoQT allows. */
export function checkTrackRef(value: unknown, what = "track"): TrackRef {
  const fields = object(value, what);
  const namespace = fields.namespace;
  if (!Array.isArray(namespace) || namespace.length < 1 || namespace.length > 32) {
    fail(`${what}.namespace must be an array of 1..32 strings`);
  }
  return {
    namespace: namespace.map((field, i) => name(field, `${what}.namespace[${i}]`)),
    name: name(fields.name, `${what}.name`),
  };
}

function reconnect(value: unknown): ReconnectOptions | undefined {
  if (value === undefined) return undefined;
  const fields = object(value, "reconnect");
  const jitter = fields.jitter;
  if (jitter !== undefined && (typeof jitter !== "number" || !(jitter >= 0 && jitter <= 1))) {
    fail("reconnect.jitter must be a number in 0..1");
  }
  const options: ReconnectOptions = {};
  const initial = optionalInteger(fields.initialDelayMs, "reconnect.initialDelayMs", 0, 3_600_000);
  const max = optionalInteger(fields.maxDelayMs, "reconnect.maxDelayMs", 0, 3_600_000);
  if (initial !== undefined) options.initialDelayMs = initial;
  if (max !== undefined) options.maxDelayMs = max;
  if (jitter !== undefined) options.jitter = jitter as number;
  return options;
}

function liveness(value: unknown): LivenessOptions | undefined {
  if (value === undefined) return undefined;
  const fields = object(value, "liveness");
  const options: LivenessOptions = {};
  const interval = optionalInteger(fields.intervalMs, "liveness.intervalMs", 0, 3_600_000);
  const timeout = optionalInteger(fields.timeoutMs, "liveness.timeoutMs", 1, 3_600_000);
  if (interval !== undefined) options.intervalMs = interval;
  if (timeout !== undefined) options.timeoutMs = timeout;
  return options;
}

function stream(value: unknown, what: string): ReadableStream {
  if (typeof ReadableStream === "undefined" || !(value instanceof ReadableStream)) {
    fail(`${what} must be a ReadableStream (transferred)`);
  }
  return value;
}

function namespaceOf(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 32) fail(`${what} must be an array of 1..32 strings`);
  return value.map((field, i) => {
    const checked = name(field, `${what}[${i}]`);
    if (checked === "") fail(`${what}[${i}] must not be empty`);
    return checked;
  });
}

/** A WebCodecs codec string: short printable ASCII, no spaces. */
function codecString(value: unknown, what: string): string {
  if (typeof value !== "string" || !/^[\x21-\x7e]{1,64}$/.test(value)) fail(`${what} must be a codec string`);
  return value;
}

function mediaVideo(value: unknown): MediaVideoOptions | undefined {
  if (value === undefined) return undefined;
  const fields = object(value, "video");
  const codecs = fields.codecs;
  if (codecs !== undefined && (!Array.isArray(codecs) || codecs.length < 1 || codecs.length > 16)) {
    fail("video.codecs must be an array of 1..16 codec strings");
  }
  return withOptional(
    { frames: stream(fields.frames, "video.frames") as ReadableStream<VideoFrame> },
    {
      codecs: (codecs as unknown[] | undefined)?.map((codec, i) => codecString(codec, `video.codecs[${i}]`)),
      width: optionalInteger(fields.width, "video.width", 16, 7680),
      height: optionalInteger(fields.height, "video.height", 16, 4320),
      frameRate: optionalInteger(fields.frameRate, "video.frameRate", 1, 240),
      bitrate: optionalInteger(fields.bitrate, "video.bitrate", 10_000, 100_000_000),
      keyFrameIntervalMs: optionalInteger(fields.keyFrameIntervalMs, "video.keyFrameIntervalMs", 100, 60_000),
    },
  );
}

function mediaAudio(value: unknown): MediaAudioOptions | undefined {
  if (value === undefined) return undefined;
  const fields = object(value, "audio");
  const duration = fields.frameDurationMs;
  if (duration !== undefined && duration !== 10 && duration !== 20) fail("audio.frameDurationMs must be 10 or 20");
  return withOptional(
    { frames: stream(fields.frames, "audio.frames") as ReadableStream<AudioData> },
    {
      bitrate: optionalInteger(fields.bitrate, "audio.bitrate", 6_000, 510_000),
      frameDurationMs: duration as 10 | 20 | undefined,
    },
  );
}

function mediaPublish(message: Fields, id: number): MediaPublishRequest {
  const request: MediaPublishRequest = withOptional<MediaPublishRequest>(
    {
      type: "media-publish",
      id,
      namespace: namespaceOf(message.namespace, "namespace"),
      ttlMs: integer(message.ttlMs, "ttlMs", 100, 600_000),
    },
    { video: mediaVideo(message.video), audio: mediaAudio(message.audio) },
  );
  if (request.video === undefined && request.audio === undefined) fail("media-publish needs video or audio");
  return request;
}

function withOptional<T extends object>(target: T, extra: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) (target as Fields)[key] = value;
  return target;
}

function hexHashes(value: unknown, what: string): string[] | undefined {
  if (value !== undefined && (!Array.isArray(value) || value.length > 16 || value.some((hash) => !isHexHash(hash))))
    fail(`${what} must be up to 16 hex SHA-256 hashes`);
  return value as string[] | undefined;
}

/** The request in `data`, checked field by field; throws WorkerError("bad-request") naming the bad field. */
export function parseRequest(data: unknown): WorkerRequest {
  const message = object(data, "a message");
  const type = message.type;
  const id = () => integer(message.id, "id");
  switch (type) {
    case "connect": {
      return withOptional(
        { type, id: id(), url: string(message.url, "url") },
        {
          certificateHashes: hexHashes(message.certificateHashes, "certificateHashes"),
          knownCertificateHashes: hexHashes(message.knownCertificateHashes, "knownCertificateHashes"),
          reconnect: reconnect(message.reconnect),
          liveness: liveness(message.liveness),
          cacheDurationMs: optionalInteger(message.cacheDurationMs, "cacheDurationMs", 0, 86_400_000),
          sendRateKbps: optionalInteger(message.sendRateKbps, "sendRateKbps", 1, 10_000_000),
          authorizationToken:
            message.authorizationToken === undefined
              ? undefined
              : string(message.authorizationToken, "authorizationToken"),
        },
      );
    }
    case "subscribe":
      return withOptional(
        { type, id: id(), track: checkTrackRef(message.track) },
        { priority: optionalInteger(message.priority, "priority", 0, 255) },
      );
    case "publish":
      return withOptional(
        { type, id: id(), track: checkTrackRef(message.track) },
        { maxCacheDurationMs: optionalInteger(message.maxCacheDurationMs, "maxCacheDurationMs", 0, 86_400_000) },
      );
    case "close-track":
      return { type, id: id(), trackId: integer(message.trackId, "trackId") };
    case "segment-open":
      return withOptional(
        {
          type,
          id: id(),
          trackId: integer(message.trackId, "trackId"),
          segmentId: integer(message.segmentId, "segmentId"),
          sequence: integer(message.sequence, "sequence"),
          priority: integer(message.priority, "priority", 0, 255),
        },
        { ttlMs: optionalInteger(message.ttlMs, "ttlMs", 0, 86_400_000) },
      );
    case "segment-chunk":
      return { type, segmentId: integer(message.segmentId, "segmentId"), bytes: bytes(message.bytes, "bytes") };
    case "segment-end":
      return withOptional(
        { type, segmentId: integer(message.segmentId, "segmentId") },
        { error: message.error === undefined ? undefined : string(message.error, "error", 1024) },
      );
    case "pull-start": {
      const trackIds = message.trackIds;
      if (!Array.isArray(trackIds) || trackIds.length < 1 || trackIds.length > 64) {
        fail("trackIds must be an array of 1..64 track ids");
      }
      return withOptional(
        {
          type,
          id: id(),
          pullId: integer(message.pullId, "pullId"),
          trackIds: trackIds.map((trackId, i) => integer(trackId, `trackIds[${i}]`)),
        },
        { credit: optionalInteger(message.credit, "credit", 1, 64) },
      );
    }
    case "pull-release":
      return { type, pullId: integer(message.pullId, "pullId"), segmentKey: integer(message.segmentKey, "segmentKey") };
    case "pull-close":
      return { type, pullId: integer(message.pullId, "pullId") };
    case "media-publish":
      return mediaPublish(message, id());
    case "media-stop":
    case "stats":
    case "close":
      return { type, id: id() };
    default:
      return fail(`unknown message type ${JSON.stringify(String(type)).slice(0, 64)}`);
  }
}

function isHexHash(value: unknown): boolean {
  return typeof value === "string" && /^[0-9a-fA-F]{64}$/.test(value);
}
