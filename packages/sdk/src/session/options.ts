// What a request of ours is made with (subscribe, its updates) and what TRACK_STATUS answers.
// The session's own options and handler hooks live with the Session (session.ts).
import type { TrackPublisher } from "../cache/index.ts";
import type { Location, SubscribeFilter } from "../wire/index.ts";

export interface SubscribeOptions {
  /** 0..255, lower is more important. Default 128. */
  priority?: number;
  /** 0 publisher's choice (default), 1 oldest first, 2 newest first. */
  groupOrder?: 0 | 1 | 2;
  /** Default: the latest group, then everything new. */
  filter?: SubscribeFilter;
  /**
   * DELIVERY TIMEOUT (ms): the publisher stops sending a group this long after it started (it would
   * be stale). Default: the publisher's own limit (each group's time to live).
   */
  deliveryTimeoutMs?: number;
}

/** subscribe() into a track the caller owns. */
export interface SubscribeIntoOptions extends SubscribeOptions {
  /**
   * Groups go into this track (through a clone of the handle) instead of one the session makes. The
   * session never ends it: closing the subscription or the session closes only its clone (and cuts
   * the group being received), so another session can carry on filling it. A group the track
   * already holds (same group ID) is skipped. When every reader of the track is gone: UNSUBSCRIBE.
   */
  into: TrackPublisher;
}

/** SUBSCRIBE_UPDATE: what may change (left out = unchanged). */
export interface SubscriptionUpdate {
  /** 0..255, lower is more important. */
  priority?: number;
  /** false pauses delivery, true resumes it. */
  forward?: boolean;
}

export interface TrackStatusInfo {
  groupOrder: 1 | 2;
  largest: Location | undefined;
}
