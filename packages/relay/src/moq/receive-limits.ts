// What the relay holds in memory of what publishers send (issue 11, items 1 and 2). An object is
// forwarded once its last byte is in, so a publisher that declares large objects and never finishes
// them makes the relay hold what it sent: bounded per object, per session and in all. Whole objects
// wait in the cache for their time to live: bounded per track and in all, the oldest going first.
import { CacheBudget, type TrackOptions } from "@moqkit/sdk/cache";
import { ReceivePool } from "@moqkit/sdk/session";

export interface ReceiveLimits {
  /** The largest object a publisher may send (bytes); a larger declared length is a protocol violation. */
  maxObjectBytes: number;
  /** Bytes of unfinished objects one session may make the relay hold; past it the session closes (INTERNAL_ERROR). */
  maxBufferedBytesPerSession: number;
  /** The same across all sessions; past it the session holding the most closes. */
  maxBufferedBytes: number;
  /** Bytes one track's cache holds; past it its oldest groups go first. */
  maxCacheBytesPerTrack: number;
  /** Bytes the whole cache holds; past it the oldest group of any track goes first. */
  maxCacheBytes: number;
}

export const DEFAULT_RECEIVE_LIMITS: Readonly<ReceiveLimits> = Object.freeze({
  maxObjectBytes: 16 * 1024 * 1024,
  maxBufferedBytesPerSession: 32 * 1024 * 1024,
  maxBufferedBytes: 256 * 1024 * 1024,
  maxCacheBytesPerTrack: 128 * 1024 * 1024,
  maxCacheBytes: 1024 * 1024 * 1024,
});

/** What every relay session (and the router's tracks) gets: one pool and one cache budget shared by all. */
export interface ReceiveOptions {
  maxObjectBytes: number;
  maxReceiveBufferBytes: number;
  receivePool: ReceivePool;
  cache: Pick<TrackOptions, "maxBytes" | "budget">;
}

export function receiveOptions(limits: ReceiveLimits): ReceiveOptions {
  return {
    maxObjectBytes: limits.maxObjectBytes,
    maxReceiveBufferBytes: limits.maxBufferedBytesPerSession,
    receivePool: new ReceivePool(limits.maxBufferedBytes),
    cache: { maxBytes: limits.maxCacheBytesPerTrack, budget: new CacheBudget(limits.maxCacheBytes) },
  };
}
