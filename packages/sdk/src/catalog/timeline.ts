// A rendition's companion timeline track (group -> start timestamp), when the publisher offers one.

import { FieldReader, isPlainObject, type Path, pickFields } from "./json.ts";

export interface Timeline {
  /** The companion track's name. */
  readonly track: string;
  /** Units per second of the records' timestamps (default 1000: milliseconds). */
  readonly timescale: number;
  /** Wall-clock time of timestamp 0, in `timescale` units since 2020-01-01T00:00:00Z, if known. */
  readonly wall?: number;
}

export const DEFAULT_TIMELINE_TIMESCALE = 1000;

/** The moq epoch (2020-01-01T00:00:00Z) in Unix milliseconds: `wall` counts from here. */
export const MOQ_EPOCH_UNIX_MS = 1_577_836_800_000;

export function readTimeline(value: unknown, path: Path): Timeline {
  const fields = new FieldReader(value, path);
  const track = fields.string("track");
  const timescale = fields.optionalU53("timescale") ?? DEFAULT_TIMELINE_TIMESCALE;
  const wall = fields.optionalU53("wall");
  return wall === undefined ? { track, timescale } : { track, timescale, wall };
}

export function timelineJson(timeline: unknown): unknown {
  if (!isPlainObject(timeline)) return timeline;
  return pickFields(timeline, ["track", "timescale", "wall"]);
}
