// The page's API to a moqkit worker, the same whether the worker runs as a dedicated Worker or
// inline on a MessagePort. Requests carry ids; a reply whose id nobody waits for (the request was
// given up, or the worker restarted) is dropped, as are events of pulls and segments already closed.
import { Notify } from "../cache/notify.ts";
import { WorkerArgumentError, WorkerError } from "./errors.ts";
import { startInlineWorker } from "./inline.ts";
import type {
  ConnectionState,
  ConnectRequest,
  ErrorInfo,
  MediaEvent,
  ReplyValues,
  TrackRef,
  WorkerEvent,
  WorkerRequest,
  WorkerStats,
} from "./protocol.ts";
import { localRelayOrigin } from "./relay-url.ts";
import type { MessageEndpoint, ServiceDependencies } from "./service.ts";
import { Spare } from "./spare.ts";
import { checkTrackRef } from "./validate.ts";

/** What connect() takes besides the URL: the connect request's options (protocol.ts documents each). */
export type ConnectParameters = Omit<ConnectRequest, "type" | "id" | "url" | "knownCertificateHashes">;

export interface StateChange {
  state: ConnectionState;
  sessions: number;
  error: WorkerError | undefined;
}

export interface TrackChange {
  trackId: number;
  status: "active" | "waiting";
  error: WorkerError | undefined;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** A taken spare worker is replaced this long after (ms): not during the start-up it serves. */
const SPARE_REFILL_DELAY_MS = 500;

function startWorker(): Worker {
  return new Worker(new URL("./entry.ts", import.meta.url), { type: "module", name: "moqkit" });
}

/** The page's spare moqkit worker (spare.ts says why). */
const spareWorkers = new Spare<Worker>({
  start: startWorker,
  stop: (worker) => worker.terminate(),
  refillDelayMs: SPARE_REFILL_DELAY_MS,
});

/** Chunk latencies kept for pullLatency(): the newest this many. */
const LATENCY_SAMPLES = 4096;

/**
 * The certificate hashes each local (http://) relay served to this page, by origin: the next
 * client's first connection tries them instead of fetching them again (the worker fetches anew if
 * they fail). Plain memory of what the relay said over plain HTTP, so no weaker than fetching it.
 */
const learnedCertificates = new Map<string, string[]>();
const MAX_LEARNED_CERTIFICATES = 16;

function learnCertificate(origin: string, hashes: string[]): void {
  learnedCertificates.delete(origin);
  if (hashes.length === 0) return;
  learnedCertificates.set(origin, hashes);
  // One at a time, oldest first in a Map: past the bound the oldest goes.
  if (learnedCertificates.size > MAX_LEARNED_CERTIFICATES)
    learnedCertificates.delete(learnedCertificates.keys().next().value as string);
}

/** Published segments' time to live when the page does not say (ms). */
export const DEFAULT_SEGMENT_TTL_MS = 10_000;

export class WorkerClient {
  readonly #port: MessageEndpoint;
  readonly #terminate: (() => void) | undefined;
  readonly #pending = new Map<number, Pending>();
  readonly #pulls = new Map<number, Pull>();
  readonly #writers = new Map<number, SegmentWriter>();
  readonly #stateListeners = new Set<(change: StateChange) => void>();
  readonly #trackListeners = new Set<(change: TrackChange) => void>();
  readonly #mediaListeners = new Set<(event: MediaEvent) => void>();
  readonly #latencies = new Float64Array(LATENCY_SAMPLES);
  #latencyCount = 0;
  #nextId = 1;
  #state: StateChange = { state: "idle", sessions: 0, error: undefined };
  #closed = false;

  /**
   * The worker in a dedicated Worker (the normal case in a page): the spare one if it was started
   * ahead (prewarm(), or a previous dedicated()), else a new one. `fresh: true` always starts a new one.
   */
  static dedicated(options: { fresh?: boolean } = {}): WorkerClient {
    const worker = options.fresh === true ? startWorker() : spareWorkers.take();
    return new WorkerClient(worker as unknown as MessageEndpoint, () => worker.terminate());
  }

  /**
   * Starts a dedicated worker now for the next dedicated() to take, so that client starts at the
   * speed of its connection (a worker's own start-up is ~70–120 ms here). At most one waits.
   */
  static prewarm(): void {
    if (typeof Worker !== "undefined") spareWorkers.prewarm();
  }

  /** The worker's service on this thread (tests, or where no Worker can start). */
  static inline(deps: ServiceDependencies = {}): WorkerClient {
    const port = startInlineWorker(deps);
    return new WorkerClient(port, () => port.close());
  }

  constructor(port: MessageEndpoint, terminate?: () => void) {
    this.#port = port;
    this.#terminate = terminate;
    port.addEventListener("message", (event) => this.#receive(event.data as WorkerEvent));
    port.start?.();
  }

  get state(): StateChange {
    return this.#state;
  }

  /** Calls `listener` at every connection state change; returns the function that stops it. */
  onState(listener: (change: StateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Calls `listener` when a subscribed track becomes active or waits for its publisher. */
  onTrack(listener: (change: TrackChange) => void): () => void {
    this.#trackListeners.add(listener);
    return () => this.#trackListeners.delete(listener);
  }

  /** Calls `listener` at every media pipeline event (media-stats, media-error, media-catalog). */
  onMedia(listener: (event: MediaEvent) => void): () => void {
    this.#mediaListeners.add(listener);
    return () => this.#mediaListeners.delete(listener);
  }

  /** Connects the worker to a relay; resolves once connected (it reconnects by itself after that). */
  async connect(url: string, parameters: ConnectParameters = {}): Promise<void> {
    if (typeof url !== "string") throw new WorkerArgumentError(`url must be a string, got ${typeof url}`);
    const origin = parameters.certificateHashes === undefined ? localRelayOrigin(url) : undefined;
    const known = origin === undefined ? undefined : learnedCertificates.get(origin);
    const { certificateHashes } = await this.#request<"connect">({
      type: "connect",
      id: 0,
      url,
      ...parameters,
      ...(known === undefined ? {} : { knownCertificateHashes: known }),
    });
    if (origin !== undefined) learnCertificate(origin, certificateHashes);
  }

  /** Receives a track into the worker's cache; pull() its segments. */
  async subscribe(track: TrackRef, options: { priority?: number } = {}): Promise<RemoteTrack> {
    const ref = argument(() => checkTrackRef(track));
    const priority = options.priority;
    if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 255))
      throw new WorkerArgumentError(`priority must be an integer in 0..255, got ${String(priority)}`);
    const { trackId } = await this.#request<"subscribe">({
      type: "subscribe",
      id: 0,
      track: ref,
      ...(priority === undefined ? {} : { priority }),
    });
    return new RemoteTrack(this, trackId, ref);
  }

  /** Publishes a track from this page: write its segments with segment(). */
  async publish(track: TrackRef, options: { maxCacheDurationMs?: number } = {}): Promise<PublishedTrack> {
    const ref = argument(() => checkTrackRef(track));
    const { maxCacheDurationMs } = options;
    if (maxCacheDurationMs !== undefined && !(Number.isSafeInteger(maxCacheDurationMs) && maxCacheDurationMs >= 0))
      throw new WorkerArgumentError(`maxCacheDurationMs must be a non-negative integer, got ${maxCacheDurationMs}`);
    const { trackId } = await this.#request<"publish">({
      type: "publish",
      id: 0,
      track: ref,
      ...(maxCacheDurationMs === undefined ? {} : { maxCacheDurationMs }),
    });
    return new PublishedTrack(this, trackId, ref);
  }

  /**
   * Pulls the segments of `tracks`, most important first across them, each streamed chunk by chunk.
   * `credit`: segments of one track open at once (default 2); a segment is open until it is read to
   * its end, fails, or is cancelled.
   */
  pull(tracks: readonly RemoteTrack[], options: { credit?: number } = {}): Pull {
    if (!Array.isArray(tracks) || tracks.length === 0 || tracks.some((track) => !(track instanceof RemoteTrack)))
      throw new WorkerArgumentError("pull needs a non-empty array of tracks from subscribe() or publish()");
    const { credit } = options;
    if (credit !== undefined && !(Number.isInteger(credit) && credit >= 1 && credit <= 64))
      throw new WorkerArgumentError(`credit must be an integer in 1..64, got ${String(credit)}`);
    const pullId = this.#nextId++;
    const pull = new Pull(
      pullId,
      (message) => this.#send(message),
      () => this.#pulls.delete(pullId),
    );
    this.#pulls.set(pullId, pull);
    const started = this.#request({
      type: "pull-start",
      id: 0,
      pullId,
      trackIds: tracks.map((track) => track.id),
      ...(credit === undefined ? {} : { credit }),
    });
    started.catch((error: Error) => pull.fail(error));
    return pull;
  }

  async stats(): Promise<WorkerStats> {
    return this.#request<"stats">({ type: "stats", id: 0 });
  }

  /**
   * What the pull added per chunk, from the worker reading it out of its cache to this page having
   * it (ms), over the newest chunks.
   */
  pullLatency(): { count: number; p50: number; p95: number; max: number } {
    const count = Math.min(this.#latencyCount, LATENCY_SAMPLES);
    const samples = Array.from(this.#latencies.subarray(0, count)).sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(count - 1, Math.floor(q * count))] ?? Number.NaN;
    return { count, p50: at(0.5), p95: at(0.95), max: samples[count - 1] ?? Number.NaN };
  }

  /** Forgets the chunk latencies measured so far (to measure a new window). */
  resetPullLatency(): void {
    this.#latencyCount = 0;
  }

  /** Closes the session and every track, then stops the worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#request({ type: "close", id: 0 });
    } finally {
      this.#closed = true;
      for (const pending of this.#pending.values()) pending.reject(new WorkerError("closed", "the worker was closed"));
      this.#pending.clear();
      this.#terminate?.();
    }
  }

  /**
   * @internal Sends a request; the objects in `transfer` (ArrayBuffers, ReadableStreams, ...) move
   * to the worker and are unusable here afterwards.
   */
  request<K extends keyof ReplyValues>(
    message: WorkerRequest & { type: K },
    transfer: Transferable[] = [],
  ): Promise<ReplyValues[K]> {
    return this.#request<K>(message, transfer);
  }

  /** @internal */
  send(message: WorkerRequest, transfer: Transferable[] = []): void {
    this.#send(message, transfer);
  }

  /** @internal */
  newId(): number {
    return this.#nextId++;
  }

  /** @internal */
  addWriter(segmentId: number, writer: SegmentWriter): void {
    this.#writers.set(segmentId, writer);
  }

  /** @internal */
  removeWriter(segmentId: number): void {
    this.#writers.delete(segmentId);
  }

  #send(message: WorkerRequest, transfer: Transferable[] = []): void {
    if (this.#closed) throw new WorkerError("closed", "the worker was closed");
    this.#port.postMessage(message, transfer);
  }

  #request<K extends keyof ReplyValues>(
    message: WorkerRequest & { type: K },
    transfer: Transferable[] = [],
  ): Promise<ReplyValues[K]> {
    if (this.#closed) return Promise.reject(new WorkerError("closed", "the worker was closed"));
    const id = this.#nextId++;
    return new Promise<ReplyValues[K]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.#port.postMessage({ ...(message as WorkerRequest), id }, transfer);
      } catch (error) {
        // Not cloneable or not transferable (a stream already locked, ...): nothing was sent.
        this.#pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  #receive(event: WorkerEvent): void {
    switch (event.type) {
      case "reply": {
        const pending = this.#pending.get(event.id);
        if (pending === undefined) return; // Stale: nobody waits for it any more.
        this.#pending.delete(event.id);
        if (event.ok) pending.resolve(event.value);
        else pending.reject(WorkerError.from(event.error));
        return;
      }
      case "state": {
        this.#state = { state: event.state, sessions: event.sessions, error: toError(event.error) };
        for (const listener of this.#stateListeners) listener(this.#state);
        return;
      }
      case "track": {
        const change = { trackId: event.trackId, status: event.status, error: toError(event.error) };
        for (const listener of this.#trackListeners) listener(change);
        return;
      }
      case "segment-failed":
        this.#writers.get(event.segmentId)?.fail(WorkerError.from(event.error));
        return;
      case "pulled-chunk": {
        const latency = performance.timeOrigin + performance.now() - event.at;
        this.#latencies[this.#latencyCount++ % LATENCY_SAMPLES] = latency;
        // `at` is the worker's wall clock (timeOrigin + now); on this page's performance.now() scale:
        this.#pulls.get(event.pullId)?.chunk(event.segmentKey, event.bytes, event.at - performance.timeOrigin);
        return;
      }
      case "pulled-open":
        this.#pulls.get(event.pullId)?.open(event);
        return;
      case "pulled-end":
        this.#pulls.get(event.pullId)?.end(event.segmentKey, event.error);
        return;
      case "media-stats":
      case "media-error":
      case "media-catalog":
        for (const listener of this.#mediaListeners) listener(event);
        return;
    }
  }
}

/** A track in the worker, by its id there. */
export class RemoteTrack {
  readonly id: number;
  readonly ref: TrackRef;
  readonly #client: WorkerClient;
  #closed = false;

  /** @internal */
  constructor(client: WorkerClient, id: number, ref: TrackRef) {
    this.#client = client;
    this.id = id;
    this.ref = ref;
  }

  /** Unsubscribes (or stops publishing): the worker lets go of the track. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.request({ type: "close-track", id: 0, trackId: this.id });
  }
}

export interface SegmentOptions {
  /** Position in the track: increases by one per segment (a MoQT group ID). */
  sequence: number;
  /** Lower is more important (the MoQT publisher priority). Default 128. */
  priority?: number;
  /** How long the segment may wait in the worker for the network (ms). Default 10 000. */
  ttlMs?: number;
}

/** A track this page publishes through the worker. */
export class PublishedTrack extends RemoteTrack {
  readonly #owner: WorkerClient;

  /** @internal */
  constructor(client: WorkerClient, id: number, ref: TrackRef) {
    super(client, id, ref);
    this.#owner = client;
  }

  /** Opens a segment; write its chunks with write() and finish it with end(). */
  segment(options: SegmentOptions): SegmentWriter {
    const { sequence, priority = 128, ttlMs = DEFAULT_SEGMENT_TTL_MS } = options;
    if (!Number.isSafeInteger(sequence) || sequence < 0)
      throw new WorkerArgumentError(`sequence must be a non-negative integer, got ${String(sequence)}`);
    if (!Number.isInteger(priority) || priority < 0 || priority > 255)
      throw new WorkerArgumentError(`priority must be an integer in 0..255, got ${String(priority)}`);
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 0)
      throw new WorkerArgumentError(`ttlMs must be a non-negative integer, got ${String(ttlMs)}`);
    const segmentId = this.#owner.newId();
    const writer = new SegmentWriter(this.#owner, segmentId);
    this.#owner.addWriter(segmentId, writer);
    writer.opened = this.#owner.request({
      type: "segment-open",
      id: 0,
      trackId: this.id,
      segmentId,
      sequence,
      priority,
      ttlMs,
    });
    writer.opened.catch((error: Error) => writer.fail(error));
    return writer;
  }
}

/**
 * Writes one segment's chunks to the worker. write() takes the bytes: a Uint8Array that spans its
 * whole ArrayBuffer is transferred (it is detached here afterwards); a view into a larger buffer is
 * copied first, so the rest of that buffer stays the caller's.
 */
export class SegmentWriter {
  /** Resolves once the worker has the segment; rejects if it refused it (a duplicate sequence, ...). */
  opened: Promise<unknown> = Promise.resolve();
  readonly #client: WorkerClient;
  readonly #segmentId: number;
  #error: Error | undefined;
  #ended = false;

  /** @internal */
  constructor(client: WorkerClient, segmentId: number) {
    this.#client = client;
    this.#segmentId = segmentId;
  }

  write(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new WorkerArgumentError("write needs a Uint8Array");
    if (this.#error !== undefined) throw this.#error;
    if (this.#ended) throw new WorkerError("closed", "the segment was ended");
    const whole =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const owned = whole ? bytes : bytes.slice();
    this.#client.send({ type: "segment-chunk", segmentId: this.#segmentId, bytes: owned }, [
      owned.buffer as ArrayBuffer,
    ]);
  }

  /** Finishes the segment; with `error`, it ends cut short (readers see the error). */
  end(error?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#client.removeWriter(this.#segmentId);
    this.#client.send(
      error === undefined
        ? { type: "segment-end", segmentId: this.#segmentId }
        : { type: "segment-end", segmentId: this.#segmentId, error: String(error).slice(0, 1024) },
    );
  }

  /** @internal */
  fail(error: Error): void {
    this.#error ??= error;
  }
}

/** A segment handed over by a pull, with its chunks as they arrive. */
export class PulledSegment {
  readonly trackId: number;
  readonly sequence: number;
  readonly priority: number;
  readonly #release: () => void;
  readonly #chunks: Uint8Array[] = [];
  /** When the worker read each chunk in #chunks from its cache (this page's performance.now() ms). */
  readonly #arrivals: number[] = [];
  #lastArrivalMs = Number.NaN;
  #end: WorkerError | null | undefined;
  #released = false;
  readonly #changed = new Notify();

  /** @internal */
  constructor(trackId: number, sequence: number, priority: number, release: () => void) {
    this.trackId = trackId;
    this.sequence = sequence;
    this.priority = priority;
    this.#release = release;
  }

  /** The next chunk (its buffer is this page's), waiting for it; undefined at the end. Rejects if the segment was cut short. */
  async readChunk(): Promise<Uint8Array | undefined> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        this.#lastArrivalMs = this.#arrivals.shift() ?? Number.NaN;
        return chunk;
      }
      if (this.#released && this.#end === undefined) return undefined;
      if (this.#end === null) {
        this.cancel();
        return undefined;
      }
      if (this.#end !== undefined) {
        this.cancel();
        throw this.#end;
      }
      await this.#changed.wait();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (let chunk = await this.readChunk(); chunk !== undefined; chunk = await this.readChunk()) yield chunk;
  }

  /**
   * When the chunk readChunk() returned last reached the worker (it reads chunks from its cache as
   * they arrive), on this page's performance.now() clock (ms): the network's arrival time, before
   * any wait on this thread. NaN before the first chunk.
   */
  get lastArrivalMs(): number {
    return this.#lastArrivalMs;
  }

  /** Done with it (skip the rest): its credit goes back to the pull. */
  cancel(): void {
    if (this.#released) return;
    this.#released = true;
    this.#chunks.length = 0;
    this.#arrivals.length = 0;
    this.#release();
    this.#wakeUp();
  }

  /** @internal `arrivalMs`: when the worker read it (this page's performance.now() clock). */
  push(chunk: Uint8Array, arrivalMs = Number.NaN): void {
    if (!this.#released) {
      this.#chunks.push(chunk);
      this.#arrivals.push(arrivalMs);
    }
    this.#wakeUp();
  }

  /** @internal */
  finish(error: WorkerError | null): void {
    this.#end ??= error;
    this.#wakeUp();
  }

  #wakeUp(): void {
    this.#changed.notify();
  }
}

/** Segments pulled from the worker, in the order the worker chose them (most important first). */
export class Pull {
  readonly #pullId: number;
  readonly #send: (message: WorkerRequest) => void;
  readonly #onClose: () => void;
  readonly #segments = new Map<number, PulledSegment>();
  readonly #ready: PulledSegment[] = [];
  #error: Error | undefined;
  #closed = false;
  readonly #changed = new Notify();

  /** @internal */
  constructor(pullId: number, send: (message: WorkerRequest) => void, onClose: () => void) {
    this.#pullId = pullId;
    this.#send = send;
    this.#onClose = onClose;
  }

  /** The next segment, waiting for one; undefined once the pull is closed. */
  async next(): Promise<PulledSegment | undefined> {
    for (;;) {
      const segment = this.#ready.shift();
      if (segment !== undefined) return segment;
      if (this.#error !== undefined) throw this.#error;
      if (this.#closed) return undefined;
      await this.#changed.wait();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<PulledSegment> {
    for (let segment = await this.next(); segment !== undefined; segment = await this.next()) yield segment;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const segment of this.#segments.values()) segment.finish(new WorkerError("closed", "the pull was closed"));
    this.#segments.clear();
    this.#ready.length = 0;
    try {
      this.#send({ type: "pull-close", pullId: this.#pullId });
    } catch {
      // The worker is gone already.
    }
    this.#onClose();
    this.#wakeUp();
  }

  /** @internal */
  open(event: { segmentKey: number; trackId: number; sequence: number; priority: number }): void {
    if (this.#closed) return;
    const { segmentKey } = event;
    const segment = new PulledSegment(event.trackId, event.sequence, event.priority, () => {
      this.#segments.delete(segmentKey);
      if (!this.#closed) this.#send({ type: "pull-release", pullId: this.#pullId, segmentKey });
    });
    this.#segments.set(segmentKey, segment);
    this.#ready.push(segment);
    this.#wakeUp();
  }

  /** @internal */
  chunk(segmentKey: number, bytes: Uint8Array, arrivalMs?: number): void {
    this.#segments.get(segmentKey)?.push(bytes, arrivalMs);
  }

  /** @internal */
  end(segmentKey: number, error: ErrorInfo | undefined): void {
    this.#segments.get(segmentKey)?.finish(error === undefined ? null : WorkerError.from(error));
  }

  /** @internal */
  fail(error: Error): void {
    this.#error = error;
    this.#wakeUp();
  }

  #wakeUp(): void {
    this.#changed.notify();
  }
}

function toError(info: ErrorInfo | undefined): WorkerError | undefined {
  return info === undefined ? undefined : WorkerError.from(info);
}

function argument<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new WorkerArgumentError(error instanceof Error ? error.message : String(error));
  }
}
