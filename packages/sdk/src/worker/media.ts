// The worker's seam for publishing media: a worker started with a `startMedia` (the publisher's
// worker, publisher/worker-entry.ts) answers media-publish by running it over tracks the worker owns;
// the generic worker (player, data tracks) has none and carries no encoder code.
import type { TrackPublisher } from "../cache/index.ts";
import type { MediaEvent, MediaPublishRequest } from "./protocol.ts";

/** The tracks a media pipeline writes into: the broadcast's catalog and its renditions. */
export interface MediaTracks {
  catalog: TrackPublisher;
  video?: TrackPublisher;
  audio?: TrackPublisher;
}

/** What a running pipeline is told and asked by the worker. */
export interface MediaHost {
  post(event: MediaEvent): void;
}

export interface RunningMedia {
  /** The catalog's JSON, once an encoder is configured. */
  readonly catalog: string | undefined;
  /** A session wrote an object of the video or audio track to a subscriber's stream. */
  objectSent(kind: "video" | "audio", group: number, object: number, payload: Uint8Array): void;
  /** Stops capture and encoding and finishes the open segments (the worker then ends the tracks). */
  stop(): void;
}

/** Starts encoding into `tracks`; rejects (nothing started) with a WorkerError such as "no-codec". */
export type StartMedia = (request: MediaPublishRequest, tracks: MediaTracks, host: MediaHost) => Promise<RunningMedia>;
