// What a session publishes: a cache track served to subscribers, and the facts SUBSCRIBE_OK reports.
import type { TrackSubscriber } from "../cache/index.ts";
import type { Location } from "../wire/index.ts";

export interface ServedTrack {
  /**
   * A reader of the track that is never read itself: each subscription and fetch reads a clone of it,
   * so every subscriber sees what the cache holds. The session does not close it; its owner does.
   */
  readonly track: TrackSubscriber;
  /** The order groups are sent in when the subscriber leaves it to us: 2 (newest first, the default) or 1. */
  readonly groupOrder?: 1 | 2;
  /** How long groups may be served from a cache, in ms (MAX_CACHE_DURATION); absent = unknown. */
  readonly maxCacheDurationMs?: number;
  /**
   * Called each time an object of this track has been written to a subscriber's stream (handed to
   * the transport): what a publisher measures "on the wire" by. Per object, so keep it cheap.
   */
  readonly onObjectSent?: (group: number, object: number, payload: Uint8Array) => void;
  /** Called once the session stops serving it to one subscription (for reference counting). */
  readonly release?: () => void;
}

/** The largest location the cache holds: the newest group and the last object written in it. */
export function largestLocation(track: TrackSubscriber): Location | undefined {
  const group = track.latestSequence;
  if (group === undefined) return undefined;
  const segment = track.segment(group);
  if (segment === undefined) return { group, object: 0 };
  const object = segment.lastWrittenId ?? 0;
  segment.close();
  return { group, object };
}
