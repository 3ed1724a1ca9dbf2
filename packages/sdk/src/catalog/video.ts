// The catalog's `video` section: renditions (one track each) plus how to display them.

import { type Container, containerJson, DEFAULT_CONTAINER, readContainer } from "./container.ts";
import {
  emptyRecord,
  FieldReader,
  invalid,
  isPlainObject,
  type Path,
  pickFields,
  readRenditions,
  renditionsJson,
  withoutUndefined,
} from "./json.ts";
import { readTimeline, type Timeline, timelineJson } from "./timeline.ts";

/** One video rendition: how to decode its track (mirrors WebCodecs VideoDecoderConfig). */
export interface VideoRendition {
  /** A relative broadcast path holding this track, when not this broadcast (@moq/hang 0.3). */
  readonly broadcast?: string;
  /** WebCodecs codec string, e.g. "avc1.640028". */
  readonly codec: string;
  /** How frames are packed into objects (default legacy). */
  readonly container: Container;
  /** Decoder description (e.g. avcC) as hex; absent when it travels in-band (H.264 Annex B). */
  readonly description?: string;
  readonly codedWidth?: number;
  readonly codedHeight?: number;
  readonly displayAspectWidth?: number;
  readonly displayAspectHeight?: number;
  /** Frames per second (may be fractional). */
  readonly framerate?: number;
  /** Bits per second. */
  readonly bitrate?: number;
  /** Whether the decoder should favour latency (@moq/hang's default: true). */
  readonly optimizeForLatency?: boolean;
  /** Most milliseconds the publisher may hold a frame back; a jitter buffer should exceed it. */
  readonly jitter?: number;
  readonly timeline?: Timeline;
}

export interface VideoSection {
  /** Track name to rendition. */
  readonly renditions: Readonly<Record<string, VideoRendition>>;
  /** Render size in pixels. */
  readonly display?: { readonly width: number; readonly height: number };
  /** Rotation in degrees (default 0). */
  readonly rotation?: number;
  /** Flip horizontally (default false). */
  readonly flip?: boolean;
}

const RENDITION_KEYS = [
  "broadcast",
  "codec",
  "container",
  "description",
  "codedWidth",
  "codedHeight",
  "displayAspectWidth",
  "displayAspectHeight",
  "framerate",
  "bitrate",
  "optimizeForLatency",
  "jitter",
  "timeline",
] as const;

export function readVideoRendition(value: unknown, path: Path): VideoRendition {
  const fields = new FieldReader(value, path);
  const timeline = fields.raw("timeline");
  return withoutUndefined({
    broadcast: fields.optionalString("broadcast"),
    codec: fields.string("codec"),
    container: fields.has("container")
      ? readContainer(fields.raw("container"), fields.at("container"))
      : DEFAULT_CONTAINER,
    description: fields.optionalHex("description"),
    codedWidth: fields.optionalU53("codedWidth"),
    codedHeight: fields.optionalU53("codedHeight"),
    displayAspectWidth: fields.optionalU53("displayAspectWidth"),
    displayAspectHeight: fields.optionalU53("displayAspectHeight"),
    framerate: fields.optionalNumber("framerate"),
    bitrate: fields.optionalU53("bitrate"),
    optimizeForLatency: fields.optionalBoolean("optimizeForLatency"),
    jitter: fields.optionalU53("jitter"),
    timeline: timeline === undefined ? undefined : readTimeline(timeline, fields.at("timeline")),
  });
}

export function readVideoSection(value: unknown, path: Path): VideoSection {
  if (Array.isArray(value)) return readOldVideoSection(value, path);
  const fields = new FieldReader(value, path);
  const renditions = readRenditions(fields, readVideoRendition);
  const display = fields.optionalObject("display");
  return withoutUndefined({
    renditions,
    display: display === undefined ? undefined : { width: display.u53("width"), height: display.u53("height") },
    rotation: fields.optionalNumber("rotation"),
    flip: fields.optionalBoolean("flip"),
  });
}

/** The form before renditions (still read by @moq/hang): an array of `{ track: { name }, config }`. */
function readOldVideoSection(items: readonly unknown[], path: Path): VideoSection {
  const renditions = emptyRecord<VideoRendition>();
  let first: VideoRendition | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = new FieldReader(items[i], [...path, i]);
    const name = item.object("track").string("name");
    const config = item.raw("config");
    if (config === undefined) throw invalid(item.at("config"), "missing");
    const rendition = readVideoRendition(config, item.at("config"));
    first ??= rendition;
    renditions[name] = rendition;
  }
  const width = first?.displayAspectWidth;
  const height = first?.displayAspectHeight;
  return width !== undefined && height !== undefined ? { renditions, display: { width, height } } : { renditions };
}

export function videoRenditionJson(rendition: unknown, path: Path): unknown {
  if (!isPlainObject(rendition)) return rendition;
  const out = pickFields(rendition, RENDITION_KEYS);
  if (out.container !== undefined) out.container = containerJson(out.container, [...path, "container"]);
  if (out.timeline !== undefined) out.timeline = timelineJson(out.timeline);
  return out;
}

export function videoSectionJson(video: unknown, path: Path): unknown {
  if (!isPlainObject(video)) return video;
  const out = pickFields(video, ["renditions", "display", "rotation", "flip"]);
  out.renditions = renditionsJson(out.renditions, videoRenditionJson, [...path, "renditions"]);
  if (isPlainObject(out.display)) out.display = pickFields(out.display, ["width", "height"]);
  return out;
}
