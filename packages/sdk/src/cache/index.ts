export { CacheBudget } from "./budget.ts";
export { CacheError, type CacheErrorCode } from "./error.ts";
export { createSegment, SegmentPublisher, SegmentSubscriber } from "./segment.ts";
export type { SegmentInfo } from "./segment-info.ts";
export { createTrack, type TrackOptions, TrackPublisher, TrackSubscriber } from "./track.ts";
