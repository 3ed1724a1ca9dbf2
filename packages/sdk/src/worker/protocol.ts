// The messages between a page and its moqkit worker, defined once for both sides. Requests carry an
// `id`; the worker answers each with a `reply` of the same id (hls.js's transmuxer interface does the
// same, so replies to requests the page no longer waits for are recognised and dropped). Everything
// else the worker says is an event. Chunk bytes cross as transferred ArrayBuffers (see README, "who
// owns the bytes").

/** A track by its MoQT full name: namespace fields and track name, as strings. */
export interface TrackRef {
  namespace: string[];
  name: string;
}

/**
 * The worker's connection to its relay. `connecting`: the first attempt; `connected`: a session is
 * up; `reconnecting`: it dropped (or the relay sent GOAWAY) and the worker is trying again;
 * `closed`: for good (the page closed it, or the relay refused the session), with the error.
 */
export type ConnectionState = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

/** An error as it crosses postMessage: a code to branch on, never a message to parse. */
export interface ErrorInfo {
  code: WorkerErrorCode;
  message: string;
  /** The MoQT or WebTransport code behind it, when there was one. */
  wireCode?: number;
}

export type WorkerErrorCode =
  | "bad-request"
  | "closed"
  | "connect-failed"
  | "unauthorized"
  | "not-found"
  | "refused"
  | "segment-error"
  | "unknown-track"
  /** media-publish: no video codec in the preference list can be encoded here. */
  | "no-codec"
  | "internal";

export interface ReconnectOptions {
  /** First retry delay (ms). Default 100. */
  initialDelayMs?: number;
  /** Upper bound of the delay (ms). Default 1000. */
  maxDelayMs?: number;
  /** Random spread of each delay, as a fraction of it (0..1). Default 0.2. */
  jitter?: number;
}

export interface LivenessOptions {
  /** How often the worker asks the relay for an answer when the session is up (ms). Default 1000; 0 turns it off. */
  intervalMs?: number;
  /** How long an answer may take before the session counts as dead (ms). Default 1500. */
  timeoutMs?: number;
}

export interface ConnectRequest {
  type: "connect";
  id: number;
  /** https://host:port/path, or http://host:port/path for a local relay that serves /certificate.sha256. */
  url: string;
  /** Hex SHA-256 hashes of the relay's certificate (instead of fetching them for an http:// URL). */
  certificateHashes?: string[];
  /**
   * For an http:// URL: the hashes an earlier connection on this page fetched from that relay. The
   * first connection tries them without fetching; when they fail (the relay has a new certificate)
   * it fetches and tries again. Set by WorkerClient, not by callers.
   */
  knownCertificateHashes?: string[];
  reconnect?: ReconnectOptions;
  liveness?: LivenessOptions;
  /**
   * How long received groups stay in the worker (ms): this long at most, whatever the publisher's
   * MAX_CACHE_DURATION allows. Default: the publisher's, else 10000.
   */
  cacheDurationMs?: number;
  authorizationToken?: string;
  /** Caps what the worker sends (kbit/s), the most important group first (session sendRate). */
  sendRateKbps?: number;
}

export interface SubscribeRequest {
  type: "subscribe";
  id: number;
  track: TrackRef;
  /** Subscriber priority 0..255 (lower is more important). Default 128. */
  priority?: number;
}

export interface PublishRequest {
  type: "publish";
  id: number;
  track: TrackRef;
  /** How long relays may keep this track's groups (ms): MAX_CACHE_DURATION. */
  maxCacheDurationMs?: number;
}

/** Ends a track on the page's side: unsubscribes, or stops publishing. */
export interface CloseTrackRequest {
  type: "close-track";
  id: number;
  trackId: number;
}

export interface SegmentOpenRequest {
  type: "segment-open";
  id: number;
  trackId: number;
  /** The page's handle for this segment in the chunk/end messages that follow. */
  segmentId: number;
  sequence: number;
  priority: number;
  /** Time to live (ms): the segment leaves the worker's cache this long after it was opened. */
  ttlMs?: number;
}

/** Fire-and-forget: errors come back as a `segment-failed` event. */
export interface SegmentChunkMessage {
  type: "segment-chunk";
  segmentId: number;
  bytes: Uint8Array;
}

export interface SegmentEndMessage {
  type: "segment-end";
  segmentId: number;
  /** Present: the segment ends with this error (it was cut short). */
  error?: string;
}

export interface PullStartRequest {
  type: "pull-start";
  id: number;
  pullId: number;
  trackIds: number[];
  /** Segments that may be open at once, per track. Default 2. */
  credit?: number;
}

/** The page is done with a pulled segment (read to its end, or given up): its credit returns. */
export interface PullReleaseMessage {
  type: "pull-release";
  pullId: number;
  segmentKey: number;
}

export interface PullCloseMessage {
  type: "pull-close";
  pullId: number;
}

export interface StatsRequest {
  type: "stats";
  id: number;
}

export interface CloseRequest {
  type: "close";
  id: number;
}

// The camera's media options, shared by the page's Publisher (publisher/options.ts) and the worker's pipeline.
export interface VideoOptions {
  /** WebCodecs codec strings, most wanted first (default DEFAULT_VIDEO_CODECS). */
  codecs?: string[];
  /** Capture and encode size (default 640x480; the capture may deliver another size, which is used then). */
  width?: number;
  height?: number;
  /** Frames per second (default 30); faster capture is thinned to this rate. */
  frameRate?: number;
  /** Bits per second (default: defaultVideoBitrate). */
  bitrate?: number;
  /** A key frame, and so a new segment, this often (ms; default 1000). */
  keyFrameIntervalMs?: number;
}

export interface AudioOptions {
  /** Bits per second (default 32 000 per channel). */
  bitrate?: number;
  /** Opus frame duration (default 20). */
  frameDurationMs?: 10 | 20;
}

/** The camera's video as the worker gets it: frames transferred from a MediaStreamTrackProcessor. */
export interface MediaVideoOptions extends VideoOptions {
  frames: ReadableStream<VideoFrame>;
}

export interface MediaAudioOptions extends AudioOptions {
  frames: ReadableStream<AudioData>;
}

/**
 * Encodes and publishes a broadcast from the page's capture: tracks `catalog.json`, `video/hd` and
 * `audio/data` under `namespace`. The streams must be in the transfer list. Replies once the codec is
 * chosen, then reports `media-stats` every second and `media-error` when something fails.
 */
export interface MediaPublishRequest {
  type: "media-publish";
  id: number;
  namespace: string[];
  /** Time to live of every media segment (ms), counted from its first frame. */
  ttlMs: number;
  video?: MediaVideoOptions;
  audio?: MediaAudioOptions;
}

/** Stops the media pipeline: ends the open segments and the broadcast's tracks, stops capture. */
export interface MediaStopRequest {
  type: "media-stop";
  id: number;
}

export type WorkerRequest =
  | ConnectRequest
  | MediaPublishRequest
  | MediaStopRequest
  | SubscribeRequest
  | PublishRequest
  | CloseTrackRequest
  | SegmentOpenRequest
  | SegmentChunkMessage
  | SegmentEndMessage
  | PullStartRequest
  | PullReleaseMessage
  | PullCloseMessage
  | StatsRequest
  | CloseRequest;

/** What a request resolves with, by request type. */
export interface ReplyValues {
  /** The hashes the session pinned (fetched or given; empty for an https:// URL without any). */
  connect: { certificateHashes: string[] };
  subscribe: { trackId: number };
  publish: { trackId: number };
  "close-track": undefined;
  "segment-open": undefined;
  "pull-start": undefined;
  stats: WorkerStats;
  close: undefined;
  "media-publish": { catalog: string | undefined };
  "media-stop": undefined;
}

export type Reply =
  | { type: "reply"; id: number; ok: true; value?: ReplyValues[keyof ReplyValues] }
  | { type: "reply"; id: number; ok: false; error: ErrorInfo };

export interface StateEvent {
  type: "state";
  state: ConnectionState;
  /** Why it is not connected (for reconnecting and closed). */
  error?: ErrorInfo;
  /** Sessions opened so far (1 on the first connection). */
  sessions: number;
}

/** A subscribed track's standing: waiting for the publisher, active, or refused. */
export interface TrackEvent {
  type: "track";
  trackId: number;
  status: "active" | "waiting";
  error?: ErrorInfo;
}

export interface SegmentFailedEvent {
  type: "segment-failed";
  segmentId: number;
  error: ErrorInfo;
}

export interface PulledOpenEvent {
  type: "pulled-open";
  pullId: number;
  /** Names this segment in the pull's chunk/end events and the page's release. */
  segmentKey: number;
  trackId: number;
  sequence: number;
  priority: number;
}

export interface PulledChunkEvent {
  type: "pulled-chunk";
  pullId: number;
  segmentKey: number;
  bytes: Uint8Array;
  /** When the worker read it from its cache (performance.timeOrigin + now, ms): the pull's latency. */
  at: number;
}

export interface PulledEndEvent {
  type: "pulled-end";
  pullId: number;
  segmentKey: number;
  /** Present: the segment was cut short (reset upstream, or its session dropped). */
  error?: ErrorInfo;
}

export type MediaErrorCode = "no-codec" | "encoder-error" | "capture-ended" | "segment-error";

export interface MediaErrorEvent {
  type: "media-error";
  code: MediaErrorCode;
  message: string;
  /** The pipeline of that kind stopped (an encoder error); otherwise it keeps running. */
  fatal: boolean;
  kind: "video" | "audio";
}

/** What the pipeline measured over the run (counters) and the last second (percentiles). */
export interface MediaStats {
  /** Video frames read from the capture stream. */
  framesCaptured: number;
  framesEncoded: number;
  /** Frames closed unencoded because the encoder was behind (never queued). */
  framesDropped: number;
  /** Segments whose every object a session wrote to a subscriber's stream within their time to live. */
  segmentsSent: number;
  /**
   * Segments not wholly written within their time to live (cut halfway, or never begun): they expired
   * in the worker because the network could not take them in time, or nobody subscribed yet.
   */
  segmentsExpired: number;
  /** Bytes of media objects the sessions wrote to subscribers' streams. */
  bytesSent: number;
  /** The video encoder's queue now. */
  encodeQueue: number;
  /** Capture timestamp to encoder output (ms), video, over the last second. */
  captureToEncodedMs: { p50: number; p95: number };
  /** Capture timestamp to written to the session's stream (ms), video, over the last second. */
  captureToWireMs: { p50: number; p95: number };
  video?: { codec: string; width: number; height: number; bitrate: number };
  audio?: { codec: string; sampleRate: number; channels: number; bitrate: number };
}

export interface MediaStatsEvent {
  type: "media-stats";
  stats: MediaStats;
}

/** The catalog JSON changed (a new group of `catalog.json` was written). */
export interface MediaCatalogEvent {
  type: "media-catalog";
  catalog: string;
}

export type MediaEvent = MediaErrorEvent | MediaStatsEvent | MediaCatalogEvent;

export type WorkerEvent =
  | Reply
  | MediaErrorEvent
  | MediaStatsEvent
  | MediaCatalogEvent
  | StateEvent
  | TrackEvent
  | SegmentFailedEvent
  | PulledOpenEvent
  | PulledChunkEvent
  | PulledEndEvent;

export interface TrackStats {
  trackId: number;
  kind: "subscribed" | "published";
  /** Segments the worker's cache holds for this track now. */
  segments: number;
  /** Bytes of those segments' chunks. */
  bytes: number;
}

export interface WorkerStats {
  state: ConnectionState;
  sessions: number;
  tracks: TrackStats[];
  /** Segments handed to the page and chunks transferred or copied, since the start. */
  pulledSegments: number;
  transferredChunks: number;
  copiedChunks: number;
}
