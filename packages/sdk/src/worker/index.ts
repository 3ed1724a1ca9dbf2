export { Backoff, RECONNECT_DEFAULTS } from "./backoff.ts";
export {
  type ConnectParameters,
  DEFAULT_SEGMENT_TTL_MS,
  PublishedTrack,
  Pull,
  PulledSegment,
  RemoteTrack,
  type SegmentOptions,
  SegmentWriter,
  type StateChange,
  type TrackChange,
  WorkerClient,
} from "./client.ts";
export { WorkerArgumentError, WorkerError } from "./errors.ts";
export { startInlineWorker } from "./inline.ts";
export type { MediaHost, MediaTracks, RunningMedia, StartMedia } from "./media.ts";
export type {
  ConnectionState,
  ErrorInfo,
  LivenessOptions,
  ReconnectOptions,
  TrackRef,
  TrackStats,
  WorkerErrorCode,
  WorkerEvent,
  WorkerRequest,
  WorkerStats,
} from "./protocol.ts";
export { type ResolvedRelay, resolveRelay } from "./relay-url.ts";
export {
  DEFAULT_PUBLISHED_TTL_MS,
  type MessageEndpoint,
  ownBytes,
  type ServiceDependencies,
  WorkerService,
} from "./service.ts";
export { FIRST_CONNECT_ATTEMPTS, LIVENESS_DEFAULTS } from "./supervisor.ts";
