// The worker's side of the protocol: owns the session (through the supervisor), the cache tracks and
// the pulls, and answers the page's messages. It runs inside a dedicated Worker (entry.ts), or inline
// on a MessagePort (inline.ts) where no Worker is wanted.
import { CacheError, createTrack, type TrackPublisher, type TrackSubscriber } from "../cache/index.ts";
import { AUDIO_TRACK, CATALOG_TRACK, VIDEO_TRACK } from "../catalog/index.ts";
import { type ConnectOptions, connect, SendRateLimit, type Session } from "../session/index.ts";
import { toErrorInfo, WorkerError } from "./errors.ts";
import type { RunningMedia, StartMedia } from "./media.ts";
import type {
  ConnectRequest,
  MediaPublishRequest,
  ReplyValues,
  TrackRef,
  TrackStats,
  WorkerEvent,
  WorkerRequest,
  WorkerStats,
} from "./protocol.ts";
import { DEFAULT_CREDIT, Pull, type PullSource } from "./pull.ts";
import { type Fetcher, localRelayOrigin, type ResolvedRelay, resolveRelay, toCertificateHashes } from "./relay-url.ts";
import { type ObjectSent, Supervisor } from "./supervisor.ts";
import { parseRequest } from "./validate.ts";

/** A MessagePort, a dedicated worker's global scope or a Worker: what the two sides talk through. */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  removeEventListener?(type: "message", listener: (event: { data: unknown }) => void): void;
  start?(): void;
}

export interface ServiceDependencies {
  /** Opens a session to a resolved relay; default: connect() over the global WebTransport. */
  connect?: (relay: ResolvedRelay, options: ConnectOptions) => Promise<Session>;
  fetch?: Fetcher;
  log?: (line: string) => void;
  /** Runs media-publish (the publisher's worker entry gives the camera pipeline); without it, refused. */
  startMedia?: StartMedia;
}

/** Published segments without a time to live leave the worker's cache after this long (ms). */
export const DEFAULT_PUBLISHED_TTL_MS = 10_000;

interface WorkerTrack {
  readonly trackId: number;
  readonly kind: "subscribed" | "published";
  readonly ref: TrackRef;
  readonly publisher: TrackPublisher;
  /** The worker's own reader: keeps the track open; lent to the first pull that reads the track. */
  readonly root: TrackSubscriber;
  rootLent: boolean;
  /** Readers of the pulls reading this track now. */
  readonly readers: Set<TrackSubscriber>;
  /** Once two pulls read the track at the same time its chunks are always copied (README: ownership). */
  shared: boolean;
  /** Page-side subscriptions to the same track share one (one SUBSCRIBE per track per session). */
  users: number;
  /** Subscriber priority (subscribed tracks) or MAX_CACHE_DURATION (published tracks). */
  readonly priority: number;
  readonly maxCacheDurationMs: number | undefined;
  /** Published tracks: told each object a session sends (the publisher's on-the-wire measure). */
  readonly onObjectSent: ObjectSent | undefined;
}

interface MediaEntry {
  /** Set once the codec is chosen and the encoders run. */
  pipeline: RunningMedia | undefined;
  trackIds: number[];
  stopped: boolean;
}

interface PullEntry {
  pull: Pull;
  readers: { track: WorkerTrack; reader: TrackSubscriber }[];
}

export class WorkerService {
  readonly #port: MessageEndpoint;
  readonly #deps: ServiceDependencies;
  readonly #tracks = new Map<number, WorkerTrack>();
  readonly #segments = new Map<number, ReturnType<TrackPublisher["createSegment"]>>();
  readonly #pulls = new Map<number, PullEntry>();
  /** The broadcast media-publish started: its pipeline (once the codec is chosen) and its tracks. */
  #media: MediaEntry | undefined;
  #supervisor: Supervisor | undefined;
  #nextTrackId = 1;
  #nextSegmentKey = 1;
  #transferred = 0;
  #copied = 0;
  #pulledSegments = 0;
  #closed = false;

  constructor(port: MessageEndpoint, deps: ServiceDependencies = {}) {
    this.#port = port;
    this.#deps = deps;
    port.addEventListener("message", (event) => this.#receive(event.data));
    port.start?.();
  }

  #post(event: WorkerEvent, transfer: Transferable[] = []): void {
    this.#port.postMessage(event, transfer);
  }

  #reply<K extends keyof ReplyValues>(id: number, value?: ReplyValues[K]): void {
    this.#post(value === undefined ? { type: "reply", id, ok: true } : { type: "reply", id, ok: true, value });
  }

  #replyError(id: number, error: unknown): void {
    this.#post({ type: "reply", id, ok: false, error: toErrorInfo(error, "bad-request") });
  }

  #receive(data: unknown): void {
    let request: WorkerRequest;
    try {
      request = parseRequest(data);
    } catch (error) {
      const id = (data as { id?: unknown } | null)?.id;
      if (typeof id === "number" && Number.isSafeInteger(id)) this.#replyError(id, error);
      else this.#deps.log?.(`dropped a bad message: ${toErrorInfo(error).message}`);
      return;
    }
    try {
      this.#handle(request);
    } catch (error) {
      if ("id" in request) this.#replyError(request.id, error);
      else this.#deps.log?.(`${request.type}: ${toErrorInfo(error).message}`);
    }
  }

  #handle(request: WorkerRequest): void {
    if (this.#closed && request.type !== "close" && request.type !== "stats") {
      throw new WorkerError("closed", "the worker was closed");
    }
    switch (request.type) {
      case "connect":
        this.#connect(request);
        return;
      case "subscribe":
        this.#reply<"subscribe">(request.id, { trackId: this.#subscribe(request.track, request.priority) });
        return;
      case "publish":
        this.#reply<"publish">(request.id, {
          trackId: this.#publish(request.track, request.maxCacheDurationMs),
        });
        return;
      case "close-track":
        this.#closeTrack(request.trackId);
        this.#reply(request.id);
        return;
      case "segment-open": {
        const track = this.#track(request.trackId);
        if (track.kind !== "published") throw new WorkerError("bad-request", `track ${track.trackId} is not published`);
        if (this.#segments.has(request.segmentId))
          throw new WorkerError("bad-request", `segment id ${request.segmentId} is in use`);
        const segment = track.publisher.createSegment({
          sequence: request.sequence,
          priority: request.priority,
          expiresMs: request.ttlMs ?? DEFAULT_PUBLISHED_TTL_MS,
        });
        this.#segments.set(request.segmentId, segment);
        this.#reply(request.id);
        return;
      }
      case "segment-chunk": {
        const segment = this.#segments.get(request.segmentId);
        if (segment === undefined) return; // Its open failed (the page was told) or it ended.
        try {
          segment.writeChunk(request.bytes);
        } catch (error) {
          this.#segments.delete(request.segmentId);
          segment.close();
          this.#post({
            type: "segment-failed",
            segmentId: request.segmentId,
            error: toErrorInfo(error, "segment-error"),
          });
        }
        return;
      }
      case "segment-end": {
        const segment = this.#segments.get(request.segmentId);
        this.#segments.delete(request.segmentId);
        if (request.error === undefined) segment?.close();
        else segment?.close(CacheError.reset(0x1, request.error));
        return;
      }
      case "pull-start":
        this.#startPull(request.pullId, request.trackIds, request.credit ?? DEFAULT_CREDIT);
        this.#reply(request.id);
        return;
      case "pull-release":
        this.#pulls.get(request.pullId)?.pull.release(request.segmentKey);
        return;
      case "pull-close":
        this.#closePull(request.pullId);
        return;
      case "media-publish":
        this.#mediaPublish(request);
        return;
      case "media-stop":
        this.#mediaStop();
        this.#reply(request.id);
        return;
      case "stats":
        this.#reply<"stats">(request.id, this.#stats());
        return;
      case "close":
        this.#close();
        this.#reply(request.id);
        return;
    }
  }

  #connect(request: ConnectRequest): void {
    // A new connect() is allowed once the last one has closed for good (refused, or never reached).
    if (this.#supervisor !== undefined && this.#supervisor.state !== "closed")
      throw new WorkerError("bad-request", "connect() was called already");
    const fetcher = this.#deps.fetch;
    const open = this.#deps.connect ?? ((relay, options) => connect(relay.url, options));
    // What the page learned of this local relay's certificate saves fetching it (~5 ms here, more on
    // a busy machine) on the first connection; every reconnection fetches it anew (a restarted relay
    // has a new certificate).
    let known = knownHashes(request);
    let pinned: string[] = [];
    const openResolved = (relay: ResolvedRelay): Promise<Session> => {
      pinned = relay.certificateHashes;
      return open(relay, this.#sessionOptions(request, relay));
    };
    const supervisor = new Supervisor({
      open: async () => {
        const hint = known;
        known = undefined;
        if (hint !== undefined) {
          try {
            return await openResolved(await resolveRelay(request.url, hint, fetcher));
          } catch (error) {
            this.#deps.log?.(
              `the certificate this page knew for ${request.url} failed (${String(error)}): fetching it`,
            );
          }
        }
        return openResolved(await resolveRelay(request.url, request.certificateHashes, fetcher));
      },
      reconnect: request.reconnect ?? {},
      liveness: request.liveness ?? {},
      onState: (state, sessions, error) =>
        this.#post(
          error === undefined ? { type: "state", state, sessions } : { type: "state", state, sessions, error },
        ),
      onTrack: (trackId, status, error) =>
        this.#post(
          error === undefined ? { type: "track", trackId, status } : { type: "track", trackId, status, error },
        ),
      ...(this.#deps.log === undefined ? {} : { log: this.#deps.log }),
    });
    this.#supervisor = supervisor;
    // Tracks asked for before connect() are applied by the supervisor once the session is up.
    for (const track of this.#tracks.values()) this.#attach(track);
    supervisor.start().then(
      () => this.#reply<"connect">(request.id, { certificateHashes: pinned }),
      (error: unknown) => this.#replyError(request.id, error),
    );
  }

  #sessionOptions(request: ConnectRequest, relay: ResolvedRelay): ConnectOptions {
    // Each received object in a buffer of its own, so a pull can transfer it without a copy.
    const options: ConnectOptions = { implementation: "moqkit-worker", ownObjectBuffers: true };
    if (relay.certificateHashes.length > 0)
      options.serverCertificateHashes = toCertificateHashes(relay.certificateHashes);
    // The worker's own bound on what it keeps, whatever the publisher allows.
    if (request.cacheDurationMs !== undefined) {
      options.cacheDurationMs = request.cacheDurationMs;
      options.maxCacheDurationMs = request.cacheDurationMs;
    }
    if (request.authorizationToken !== undefined) options.authorizationToken = request.authorizationToken;
    if (request.sendRateKbps !== undefined) options.sendRate = new SendRateLimit(request.sendRateKbps * 125);
    if (this.#deps.log !== undefined) options.log = this.#deps.log;
    return options;
  }

  #attach(track: WorkerTrack): void {
    if (track.kind === "subscribed")
      this.#supervisor?.subscribe(track.trackId, track.ref, track.publisher, track.priority);
    else this.#supervisor?.publish(track.trackId, track.ref, track.root, track.maxCacheDurationMs, track.onObjectSent);
  }

  #subscribe(ref: TrackRef, priority = 128): number {
    const key = trackKey(ref);
    for (const track of this.#tracks.values()) {
      if (track.kind === "subscribed" && trackKey(track.ref) === key) {
        track.users++;
        return track.trackId;
      }
    }
    const track = this.#newTrack("subscribed", ref, priority, undefined);
    this.#attach(track);
    return track.trackId;
  }

  #publish(ref: TrackRef, maxCacheDurationMs: number | undefined, onObjectSent?: ObjectSent): number {
    const key = trackKey(ref);
    for (const track of this.#tracks.values()) {
      if (track.kind === "published" && trackKey(track.ref) === key)
        throw new WorkerError("bad-request", `${key} is already published`);
    }
    const track = this.#newTrack("published", ref, 128, maxCacheDurationMs, onObjectSent);
    this.#attach(track);
    return track.trackId;
  }

  #newTrack(
    kind: WorkerTrack["kind"],
    ref: TrackRef,
    priority: number,
    maxCacheDurationMs: number | undefined,
    onObjectSent?: ObjectSent,
  ): WorkerTrack {
    // The newest segment stays whatever its time to live: a catalog written once must still be there
    // for a pull that starts late, and for a relay that subscribes after a reconnect.
    const [publisher, root] = createTrack(`${ref.namespace.join("/")}/${ref.name}`, { keepLatest: true });
    const track: WorkerTrack = {
      trackId: this.#nextTrackId++,
      kind,
      ref,
      publisher,
      root,
      rootLent: false,
      readers: new Set(),
      shared: false,
      users: 1,
      priority,
      maxCacheDurationMs,
      onObjectSent,
    };
    this.#tracks.set(track.trackId, track);
    return track;
  }

  #track(trackId: number): WorkerTrack {
    const track = this.#tracks.get(trackId);
    if (track === undefined) throw new WorkerError("unknown-track", `no track ${trackId}`);
    return track;
  }

  #closeTrack(trackId: number): void {
    const track = this.#track(trackId);
    if (--track.users > 0) return;
    this.#tracks.delete(trackId);
    if (track.kind === "subscribed") this.#supervisor?.unsubscribe(trackId);
    else this.#supervisor?.unpublish(trackId);
    for (const entry of this.#pulls.values()) entry.pull.removeTrack(trackId);
    for (const reader of track.readers) if (reader !== track.root) reader.close();
    track.readers.clear();
    track.publisher.close();
    track.root.close();
  }

  /** A reader for a pull: the root if nobody else reads the track, else a clone (and the track turns shared). */
  #lend(track: WorkerTrack): TrackSubscriber {
    let reader: TrackSubscriber;
    if (!track.rootLent && track.readers.size === 0) {
      track.rootLent = true;
      reader = track.root;
    } else {
      track.shared = true;
      const [base] = track.readers;
      reader = (base ?? track.root).clone();
    }
    track.readers.add(reader);
    return reader;
  }

  #giveBack(track: WorkerTrack, reader: TrackSubscriber): void {
    track.readers.delete(reader);
    if (reader === track.root) track.rootLent = false;
    else reader.close();
  }

  #startPull(pullId: number, trackIds: number[], credit: number): void {
    if (this.#pulls.has(pullId)) throw new WorkerError("bad-request", `pull id ${pullId} is in use`);
    const tracks = [...new Set(trackIds)].map((trackId) => this.#track(trackId));
    const readers = tracks.map((track) => ({ track, reader: this.#lend(track) }));
    const sources: PullSource[] = readers.map(({ track, reader }) => ({
      trackId: track.trackId,
      reader,
      exclusive: () => track.kind === "subscribed" && !track.shared,
    }));
    const pull = new Pull(
      pullId,
      sources,
      credit,
      {
        open: (segmentKey, trackId, sequence, priority) => {
          this.#pulledSegments++;
          this.#post({ type: "pulled-open", pullId, segmentKey, trackId, sequence, priority });
        },
        chunk: (segmentKey, bytes, exclusive) => {
          const owned = ownBytes(bytes, exclusive);
          if (owned === bytes) this.#transferred++;
          else this.#copied++;
          this.#post(
            { type: "pulled-chunk", pullId, segmentKey, bytes: owned, at: performance.timeOrigin + performance.now() },
            [owned.buffer as ArrayBuffer],
          );
        },
        end: (segmentKey, error) =>
          this.#post(
            error === undefined
              ? { type: "pulled-end", pullId, segmentKey }
              : { type: "pulled-end", pullId, segmentKey, error },
          ),
      },
      () => this.#nextSegmentKey++,
    );
    this.#pulls.set(pullId, { pull, readers });
    void pull.run();
  }

  #closePull(pullId: number): void {
    const entry = this.#pulls.get(pullId);
    if (entry === undefined) return;
    this.#pulls.delete(pullId);
    entry.pull.close();
    for (const { track, reader } of entry.readers)
      if (this.#tracks.get(track.trackId) === track) this.#giveBack(track, reader);
  }

  /** Publishes catalog.json, video/hd and audio/data under the namespace and starts the encoders. */
  #mediaPublish(request: MediaPublishRequest): void {
    const startMedia = this.#deps.startMedia;
    if (startMedia === undefined)
      throw new WorkerError("bad-request", "this worker has no media pipeline: start the publisher's worker");
    if (this.#media !== undefined && !this.#media.stopped)
      throw new WorkerError("bad-request", "media is published already");
    const ref = (name: string): TrackRef => ({ namespace: request.namespace, name });
    for (const name of [CATALOG_TRACK, VIDEO_TRACK, AUDIO_TRACK]) {
      const key = trackKey(ref(name));
      for (const track of this.#tracks.values())
        if (track.kind === "published" && trackKey(track.ref) === key)
          throw new WorkerError("bad-request", `${key} is already published`);
    }
    // Relays may keep media groups as long as the worker does; the catalog as long as they like.
    const catalog = this.#track(this.#publish(ref(CATALOG_TRACK), undefined));
    // What the sessions write to the wire is counted by the pipeline (sent bytes, segments, latency).
    let pipeline: RunningMedia | undefined;
    const sent =
      (kind: "video" | "audio"): ObjectSent =>
      (group, object, payload) =>
        pipeline?.objectSent(kind, group, object, payload);
    const video =
      request.video === undefined
        ? undefined
        : this.#track(this.#publish(ref(VIDEO_TRACK), request.ttlMs, sent("video")));
    const audio =
      request.audio === undefined
        ? undefined
        : this.#track(this.#publish(ref(AUDIO_TRACK), request.ttlMs, sent("audio")));
    const media: MediaEntry = {
      pipeline: undefined,
      trackIds: [catalog, video, audio].flatMap((track) => (track === undefined ? [] : [track.trackId])),
      stopped: false,
    };
    this.#media = media;
    const tracks = {
      catalog: catalog.publisher,
      ...(video === undefined ? {} : { video: video.publisher }),
      ...(audio === undefined ? {} : { audio: audio.publisher }),
    };
    startMedia(request, tracks, {
      post: (event) => this.#post(event),
    }).then(
      (started) => {
        pipeline = started;
        media.pipeline = started;
        if (media.stopped) {
          started.stop();
          return this.#replyError(request.id, new WorkerError("closed", "media-stop came first"));
        }
        this.#reply<"media-publish">(request.id, { catalog: started.catalog });
      },
      (error: unknown) => {
        this.#endMedia(media);
        this.#replyError(request.id, error);
      },
    );
  }

  #mediaStop(): void {
    if (this.#media !== undefined) this.#endMedia(this.#media);
  }

  /** Stops the encoders (finishing the open segments), then ends the tracks: PUBLISH_DONE to the relay. */
  #endMedia(media: MediaEntry): void {
    if (media.stopped) return;
    media.stopped = true;
    media.pipeline?.stop();
    for (const trackId of media.trackIds) if (this.#tracks.has(trackId)) this.#closeTrack(trackId);
  }

  #stats(): WorkerStats {
    const tracks: TrackStats[] = [...this.#tracks.values()].map((track) => ({
      trackId: track.trackId,
      kind: track.kind,
      ...track.root.cached(),
    }));
    return {
      state: this.#supervisor?.state ?? "idle",
      sessions: this.#supervisor?.sessions ?? 0,
      tracks,
      pulledSegments: this.#pulledSegments,
      transferredChunks: this.#transferred,
      copiedChunks: this.#copied,
    };
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#mediaStop();
    for (const pullId of [...this.#pulls.keys()]) this.#closePull(pullId);
    this.#supervisor?.close();
    for (const segment of this.#segments.values()) segment.close(CacheError.closed("the worker was closed"));
    this.#segments.clear();
    for (const track of this.#tracks.values()) {
      track.publisher.close();
      track.root.close();
    }
    this.#tracks.clear();
  }
}

/**
 * The bytes to transfer for a chunk. Transferring detaches the whole ArrayBuffer, so a chunk goes as it
 * is only when it owns its buffer exactly and this pull is its only reader; otherwise it is copied once
 * into a buffer of its own (a chunk read off the network is usually a view into a larger read).
 */
export function ownBytes(bytes: Uint8Array, exclusive: boolean): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  if (exclusive && whole && bytes.buffer instanceof ArrayBuffer) return bytes;
  return bytes.slice();
}

function trackKey(ref: TrackRef): string {
  return JSON.stringify([ref.namespace, ref.name]);
}

/** The hashes to try first: the page's known ones, for an http:// URL given no hashes of its own. */
function knownHashes(request: ConnectRequest): string[] | undefined {
  const known = request.knownCertificateHashes;
  if (known === undefined || known.length === 0 || (request.certificateHashes?.length ?? 0) > 0) return undefined;
  return localRelayOrigin(request.url) === undefined ? undefined : known;
}
