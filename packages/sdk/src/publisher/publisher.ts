// The page's side of the camera publisher: capture (getUserMedia, or the page's own stream), one
// MediaStreamTrackProcessor per track on the main thread (only its `readable` can move to a worker
// in this Chromium), and a moqkit worker that encodes, segments, caches and publishes
// (media-pipeline.ts). The main thread does no per-frame work: the frames flow through the
// transferred streams.

import { WorkerClient } from "../worker/client.ts";
import { WorkerError } from "../worker/errors.ts";
import type {
  MediaAudioOptions,
  MediaEvent,
  MediaPublishRequest,
  MediaStats,
  MediaVideoOptions,
} from "../worker/protocol.ts";
import type { MessageEndpoint } from "../worker/service.ts";
import { PublisherError, type PublisherErrorCode, PublisherErrorEvent } from "./errors.ts";
import {
  type AudioOptions,
  checkOptions,
  DEFAULT_FRAME_RATE,
  DEFAULT_HEIGHT,
  DEFAULT_TTL_MS,
  DEFAULT_WIDTH,
  namespaceOf,
  type PublisherOptions,
  type VideoOptions,
} from "./options.ts";

export type { PublisherOptions };

export type PublisherState = "starting" | "live" | "reconnecting" | "stopped" | "failed";

/**
 * The worker's media stats, as of its last report (once a second): counters over the run, and
 * capture → encoded / capture → wire percentiles (ms, video) over the last second, NaN before any.
 */
export type PublisherStats = MediaStats;

/** What start() may be given instead of the real thing (tests). */
export interface PublisherInternals {
  createClient?: () => WorkerClient;
}

/** A MediaStreamTrackProcessor: not in TypeScript's DOM typings yet. */
interface TrackProcessor<T> {
  readonly readable: ReadableStream<T>;
}
type TrackProcessorConstructor = new (init: { track: MediaStreamTrack }) => TrackProcessor<VideoFrame | AudioData>;

/** How long stop() waits for the worker to end the tracks before it terminates it (ms). */
const STOP_TIMEOUT_MS = 2000;

function emptyStats(): PublisherStats {
  return {
    framesCaptured: 0,
    framesEncoded: 0,
    framesDropped: 0,
    segmentsSent: 0,
    segmentsExpired: 0,
    bytesSent: 0,
    encodeQueue: 0,
    captureToEncodedMs: { p50: Number.NaN, p95: Number.NaN },
    captureToWireMs: { p50: Number.NaN, p95: Number.NaN },
  };
}

/** A dedicated worker running the publisher's entry (the moqkit worker with the camera pipeline). */
function publisherWorker(): WorkerClient {
  const worker = new Worker(new URL("./worker-entry.ts", import.meta.url), {
    type: "module",
    name: "moqkit-publisher",
  });
  return new WorkerClient(worker as unknown as MessageEndpoint, () => worker.terminate());
}

/** Publishes the camera and microphone (or a given stream) as a MoQ broadcast. Events: "statechange", "error", "stats". */
export class Publisher extends EventTarget {
  #state: PublisherState = "starting";
  #stats: PublisherStats = emptyStats();
  #catalog: string | undefined;
  readonly #client: WorkerClient;
  readonly #stream: MediaStream;
  readonly #ownStream: boolean;
  readonly #preview: HTMLVideoElement | undefined;
  #started = false;
  #stopping: Promise<void> | undefined;
  readonly #detach: (() => void)[] = [];

  private constructor(client: WorkerClient, stream: MediaStream, ownStream: boolean, preview?: HTMLVideoElement) {
    super();
    this.#client = client;
    this.#stream = stream;
    this.#ownStream = ownStream;
    this.#preview = preview;
  }

  /** Starts capturing and publishing; resolves once the worker is connected and encoding. Rejects with PublisherError. */
  static async start(options: PublisherOptions, internals: PublisherInternals = {}): Promise<Publisher> {
    const checked = checkOptions(options);
    const wantVideo = checked.video !== false;
    const wantAudio = checked.audio !== false;
    const video: VideoOptions = checked.video === false || checked.video === undefined ? {} : checked.video;
    const audio: AudioOptions = checked.audio === false || checked.audio === undefined ? {} : checked.audio;
    const Processor = (globalThis as { MediaStreamTrackProcessor?: TrackProcessorConstructor })
      .MediaStreamTrackProcessor;
    if (Processor === undefined) throw new PublisherError("failed", "this browser has no MediaStreamTrackProcessor");

    const ownStream = checked.stream === undefined;
    const stream = checked.stream ?? (await capture(wantVideo, wantAudio, video, checked.audio === undefined));
    const videoTrack = wantVideo ? stream.getVideoTracks()[0] : undefined;
    // Audio is optional: a canvas capture has none, and a page without a microphone still publishes video.
    const audioTrack = wantAudio ? stream.getAudioTracks()[0] : undefined;
    const stopTracks = () => {
      if (ownStream) for (const track of stream.getTracks()) track.stop();
    };
    if (wantVideo && videoTrack === undefined) {
      stopTracks();
      throw new PublisherError("no-camera", "the stream has no video track");
    }
    if (videoTrack === undefined && audioTrack === undefined) {
      stopTracks();
      throw new PublisherError("no-camera", "the stream has no audio track (and video is off)");
    }

    const client = (internals.createClient ?? publisherWorker)();
    const publisher = new Publisher(client, stream, ownStream, checked.preview);
    try {
      publisher.#showPreview(videoTrack);
      publisher.#listen();
      await client.connect(checked.relay, {
        ...(checked.certificateHashes ? { certificateHashes: checked.certificateHashes } : {}),
        ...(checked.sendRateKbps === undefined ? {} : { sendRateKbps: checked.sendRateKbps }),
      });
      const transfer: Transferable[] = [];
      const request: MediaPublishRequest = {
        type: "media-publish",
        id: 0,
        namespace: namespaceOf(checked.name),
        ttlMs: checked.ttlMs ?? DEFAULT_TTL_MS,
      };
      if (videoTrack !== undefined) {
        const frames = new Processor({ track: videoTrack }).readable as ReadableStream<VideoFrame>;
        transfer.push(frames as unknown as Transferable);
        request.video = withDefined<MediaVideoOptions>({ frames }, video);
      }
      if (audioTrack !== undefined) {
        const frames = new Processor({ track: audioTrack }).readable as ReadableStream<AudioData>;
        transfer.push(frames as unknown as Transferable);
        request.audio = withDefined<MediaAudioOptions>({ frames }, audio);
      }
      const { catalog } = await client.request<"media-publish">(request, transfer);
      publisher.#catalog ??= catalog;
      publisher.#started = true;
      publisher.#followConnection();
      return publisher;
    } catch (error) {
      publisher.#teardown();
      throw toPublisherError(error);
    }
  }

  get state(): PublisherState {
    return this.#state;
  }

  /** The newest stats (updated once a second, with a "stats" event). */
  get stats(): PublisherStats {
    return this.#stats;
  }

  /** The catalog JSON the broadcast publishes now, once the encoders are configured. */
  get catalog(): string | undefined {
    return this.#catalog;
  }

  /** Ends the tracks cleanly (PUBLISH_DONE), stops the capture (if this publisher opened it) and the worker. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#setState("stopped");
    try {
      await Promise.race([
        this.#client.request<"media-stop">({ type: "media-stop", id: 0 }),
        new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS)),
      ]);
    } catch {
      // The worker is gone already: nothing left to end.
    }
    await this.#teardown();
  }

  async #teardown(): Promise<void> {
    for (const detach of this.#detach.splice(0)) detach();
    if (this.#ownStream) for (const track of this.#stream.getTracks()) track.stop();
    if (this.#preview !== undefined) this.#preview.srcObject = null;
    await Promise.race([
      this.#client.close().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS)),
    ]);
  }

  #showPreview(track: MediaStreamTrack | undefined): void {
    const preview = this.#preview;
    if (preview === undefined || track === undefined) return;
    preview.muted = true;
    preview.playsInline = true;
    preview.srcObject = new MediaStream([track]);
    preview.play().catch(() => {
      // Autoplay of a muted element is allowed; if it is not, the preview just stays still.
    });
  }

  #listen(): void {
    this.#detach.push(this.#client.onMedia((event) => this.#media(event)));
  }

  /** The connection's state drives ours once started: connected = live. */
  #followConnection(): void {
    const apply = () => {
      if (this.#state === "stopped" || this.#state === "failed") return;
      const { state, error } = this.#client.state;
      if (state === "connected") this.#setState("live");
      else if (state === "reconnecting") this.#setState("reconnecting");
      else if (state === "closed") {
        this.#fail(
          new PublisherError("relay-unreachable", error?.message ?? "the connection closed", { cause: error }),
        );
      }
    };
    this.#detach.push(this.#client.onState(apply));
    apply();
  }

  #media(event: MediaEvent): void {
    switch (event.type) {
      case "media-stats":
        this.#stats = event.stats;
        this.dispatchEvent(new Event("stats"));
        return;
      case "media-catalog":
        this.#catalog = event.catalog;
        return;
      case "media-error": {
        const code: PublisherErrorCode =
          event.code === "no-codec" ? "no-codec" : event.code === "capture-ended" ? "no-camera" : "failed";
        const error = new PublisherError(code, `${event.kind}: ${event.message}`);
        if (event.fatal && this.#started) this.#fail(error);
        else this.dispatchEvent(new PublisherErrorEvent(error));
        return;
      }
    }
  }

  #fail(error: PublisherError): void {
    if (this.#state === "stopped" || this.#state === "failed") return;
    this.#setState("failed");
    this.dispatchEvent(new PublisherErrorEvent(error));
    void this.#teardown();
  }

  #setState(state: PublisherState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.dispatchEvent(new Event("statechange"));
  }
}

/** getUserMedia with the options as ideal constraints; the error mapped to a PublisherError. */
async function capture(
  video: boolean,
  audio: boolean,
  options: VideoOptions,
  audioOptional: boolean,
): Promise<MediaStream> {
  const media = globalThis.navigator?.mediaDevices;
  if (media?.getUserMedia === undefined) {
    throw new PublisherError(
      "no-camera",
      "getUserMedia is not available (is the page served over https or localhost?)",
    );
  }
  const videoConstraints: MediaTrackConstraints | false = video && {
    width: { ideal: options.width ?? DEFAULT_WIDTH },
    height: { ideal: options.height ?? DEFAULT_HEIGHT },
    frameRate: { ideal: options.frameRate ?? DEFAULT_FRAME_RATE },
  };
  const audioConstraints: MediaTrackConstraints | false = audio && { sampleRate: { ideal: 48_000 } };
  try {
    return await media.getUserMedia({ video: videoConstraints, audio: audioConstraints });
  } catch (error) {
    // No microphone but a camera: publish the video alone unless audio was asked for explicitly.
    if (video && audio && audioOptional && isDomError(error, "NotFoundError")) {
      try {
        return await media.getUserMedia({ video: videoConstraints, audio: false });
      } catch (retry) {
        throw captureError(retry);
      }
    }
    throw captureError(error);
  }
}

function isDomError(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

function captureError(error: unknown): PublisherError {
  const message = error instanceof Error ? error.message : String(error);
  if (isDomError(error, "NotAllowedError") || isDomError(error, "SecurityError")) {
    return new PublisherError("permission-denied", `camera/microphone permission denied: ${message}`, { cause: error });
  }
  if (isDomError(error, "NotFoundError") || isDomError(error, "OverconstrainedError")) {
    return new PublisherError("no-camera", `no camera matches: ${message}`, { cause: error });
  }
  if (isDomError(error, "NotReadableError")) {
    return new PublisherError("no-camera", `the camera is in use or failed: ${message}`, { cause: error });
  }
  return new PublisherError("failed", `capture failed: ${message}`, { cause: error });
}

/** Any error of start() as a PublisherError. */
export function toPublisherError(error: unknown): PublisherError {
  if (error instanceof PublisherError) return error;
  if (error instanceof WorkerError) {
    switch (error.code) {
      case "no-codec":
        return new PublisherError("no-codec", error.message, { cause: error });
      case "bad-request":
        return new PublisherError("bad-argument", error.message, { cause: error });
      case "connect-failed":
        // WebTransport does not say why a handshake failed; a certificate problem names itself at best.
        // Not reaching a local relay's /certificate.sha256 at all means the relay is not there.
        return /certificate|cert_|CERT/.test(error.message) && !/could not fetch/.test(error.message)
          ? new PublisherError("certificate-rejected", error.message, { cause: error })
          : new PublisherError("relay-unreachable", error.message, { cause: error });
      default:
        return new PublisherError("failed", error.message, { cause: error });
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PublisherError("failed", message, { cause: error });
}

/** `base` plus the fields of `extra` that are defined. */
function withDefined<T extends object>(base: Partial<T>, extra: object): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) out[key] = value;
  return out as T;
}
