// The catalog's `audio` section: renditions, one track each.

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

/** One audio rendition: how to decode its track (mirrors WebCodecs AudioDecoderConfig). */
export interface AudioRendition {
  /** A relative broadcast path holding this track, when not this broadcast (@moq/hang 0.3). */
  readonly broadcast?: string;
  /** WebCodecs codec string, e.g. "opus" or "mp4a.40.2". */
  readonly codec: string;
  /** How frames are packed into objects (default legacy). */
  readonly container: Container;
  /** Decoder description (e.g. AAC AudioSpecificConfig) as hex. */
  readonly description?: string;
  /** Samples per second. */
  readonly sampleRate: number;
  readonly numberOfChannels: number;
  /** Bits per second. */
  readonly bitrate?: number;
  /** Most milliseconds the publisher may hold a frame back (for Opus, its frame duration). */
  readonly jitter?: number;
  readonly timeline?: Timeline;
}

export interface AudioSection {
  /** Track name to rendition. */
  readonly renditions: Readonly<Record<string, AudioRendition>>;
}

const RENDITION_KEYS = [
  "broadcast",
  "codec",
  "container",
  "description",
  "sampleRate",
  "numberOfChannels",
  "bitrate",
  "jitter",
  "timeline",
] as const;

export function readAudioRendition(value: unknown, path: Path): AudioRendition {
  const fields = new FieldReader(value, path);
  const timeline = fields.raw("timeline");
  return withoutUndefined({
    broadcast: fields.optionalString("broadcast"),
    codec: fields.string("codec"),
    container: fields.has("container")
      ? readContainer(fields.raw("container"), fields.at("container"))
      : DEFAULT_CONTAINER,
    description: fields.optionalHex("description"),
    sampleRate: fields.u53("sampleRate"),
    numberOfChannels: fields.u53("numberOfChannels"),
    bitrate: fields.optionalU53("bitrate"),
    jitter: fields.optionalU53("jitter"),
    timeline: timeline === undefined ? undefined : readTimeline(timeline, fields.at("timeline")),
  });
}

export function readAudioSection(value: unknown, path: Path): AudioSection {
  const fields = new FieldReader(value, path);
  const old = fields.has("track") || fields.has("config");
  if (!old) return { renditions: readRenditions(fields, readAudioRendition) };
  if (!fields.has("renditions")) return readOldAudioSection(fields);
  // Both forms' fields: either may be the valid one (@moq/hang tries the current form first).
  try {
    return { renditions: readRenditions(fields, readAudioRendition) };
  } catch (error) {
    try {
      return readOldAudioSection(fields);
    } catch {
      throw error;
    }
  }
}

/** The form before renditions (still read by @moq/hang): `{ track: { name }, config }`. */
function readOldAudioSection(fields: FieldReader): AudioSection {
  const name = fields.object("track").string("name");
  const config = fields.raw("config");
  if (config === undefined) throw invalid(fields.at("config"), "missing");
  const renditions = emptyRecord<AudioRendition>();
  renditions[name] = readAudioRendition(config, fields.at("config"));
  return { renditions };
}

export function audioRenditionJson(rendition: unknown, path: Path): unknown {
  if (!isPlainObject(rendition)) return rendition;
  const out = pickFields(rendition, RENDITION_KEYS);
  if (out.container !== undefined) out.container = containerJson(out.container, [...path, "container"]);
  if (out.timeline !== undefined) out.timeline = timelineJson(out.timeline);
  return out;
}

export function audioSectionJson(audio: unknown, path: Path): unknown {
  if (!isPlainObject(audio)) return audio;
  const out = pickFields(audio, ["renditions"]);
  out.renditions = renditionsJson(out.renditions, audioRenditionJson, [...path, "renditions"]);
  return out;
}
