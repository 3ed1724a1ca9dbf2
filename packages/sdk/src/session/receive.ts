// The subscriber side: objects arriving on data streams become segments (groups) and chunks
// (objects) in a cache track that the application reads with a TrackSubscriber.
import { CacheError, type SegmentPublisher, type TrackOptions, type TrackPublisher } from "../cache/index.ts";
import {
  intParameter,
  type Location,
  MessageParameter,
  type ObjectDatagram,
  ObjectStatus,
  type Parameter,
  ProtocolViolation,
  PublishDoneCode,
  readFetchObject,
  readSubgroupObject,
  StreamEndedEarly,
  type StreamReader,
  StreamResetCode,
  type SubgroupHeader,
  SubscribeErrorCode,
  type SubscribeFilter,
  type WireLimits,
} from "../wire/index.ts";
import { errorText, RequestError } from "./errors.ts";
import { filterStart } from "./filter.ts";
import { streamErrorCode } from "./transport.ts";

export type Settle = { resolve: (info: SubscriptionInfo) => void; reject: (error: Error) => void };

/** How received groups are kept (SessionOptions: cacheDurationMs, maxCacheDurationMs, ownObjectBuffers). */
export interface ReceivePolicy {
  /** When the publisher does not say (ms). */
  cacheDurationMs: number | undefined;
  /** Whatever the publisher says (ms). */
  maxCacheDurationMs: number | undefined;
  /** Copy each object once into an exact-size buffer of its own. */
  ownObjectBuffers: boolean;
  /** Byte bounds on the tracks the session makes for what it receives (SessionOptions.cache). */
  trackOptions: Pick<TrackOptions, "maxBytes" | "budget">;
}

/** An object's payload as the cache keeps it: a view into the network read, or (policy) a buffer of its own. */
function kept(payload: Uint8Array, policy: ReceivePolicy): Uint8Array {
  if (!policy.ownObjectBuffers) return payload;
  const whole = payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength;
  return whole ? payload : payload.slice();
}

/** What SUBSCRIBE_OK (or PUBLISH) told us about the track. */
export interface SubscriptionInfo {
  trackAlias: number;
  groupOrder: 1 | 2;
  largest: Location | undefined;
  /** How long received groups stay in our cache, in ms. */
  cacheDurationMs: number | undefined;
}

const HTTP_OK = 200;
/** Stream counts from here up mean "unknown" (2^62-1 on the wire, beyond exact JS numbers). */
const UNKNOWN_STREAM_COUNT = 2 ** 53;
const HTTP_NOT_FOUND = 404;

/** How long to wait for streams still in flight after PUBLISH_DONE before ending the track. */
const DONE_GRACE_MS = 2_000;

/** The error a refused request closes its track with: "not-found" when the track does not exist. */
export function refusalError(
  code: number,
  reason: string,
  notFoundCode: number = SubscribeErrorCode.TRACK_DOES_NOT_EXIST,
): CacheError {
  const message = reason === "" ? `refused with code ${code}` : `refused with code ${code}: ${reason}`;
  // 404 is @moq/lite 0.2.2's "not found" (HTTP-style; draft-14 says TRACK_DOES_NOT_EXIST, 0x4).
  return code === notFoundCode || code === HTTP_NOT_FOUND
    ? new CacheError("not-found", { message })
    : CacheError.reset(code, message);
}

/** Any error as the CacheError a track or segment closes with. */
export function toCacheError(error: unknown): CacheError {
  if (error instanceof CacheError) return error;
  return CacheError.reset(StreamResetCode.SESSION_CLOSED, errorText(error));
}

/**
 * Chooses how long received groups live in the cache: the publisher's MAX_CACHE_DURATION, else ours,
 * and never more than our upper bound.
 */
export function cacheDuration(parameters: readonly Parameter[], policy: ReceivePolicy): number | undefined {
  const chosen = intParameter(parameters, MessageParameter.MAX_CACHE_DURATION) ?? policy.cacheDurationMs;
  const cap = policy.maxCacheDurationMs;
  if (cap === undefined) return chosen;
  return chosen === undefined ? cap : Math.min(chosen, cap);
}

/** Writes one subgroup stream's objects into a segment of `track`. Protocol violations propagate. */
async function receiveSubgroup(
  track: TrackPublisher,
  groups: Map<number, SegmentPublisher>,
  header: SubgroupHeader,
  reader: StreamReader,
  expiresMs: number | undefined,
  limits: WireLimits,
  policy: ReceivePolicy,
): Promise<{ endOfTrack: boolean }> {
  let segment: SegmentPublisher;
  const open = groups.get(header.groupId);
  try {
    // A second subgroup of an open group writes into the same segment.
    segment =
      open?.clone() ?? track.createSegment({ sequence: header.groupId, priority: header.publisherPriority, expiresMs });
  } catch {
    // Duplicate (already received and finished) or nobody reads the track any more: not wanted.
    await reader.cancel().catch(() => {});
    return { endOfTrack: false };
  }
  if (open === undefined) groups.set(header.groupId, segment);
  let previous: number | undefined;
  let endOfTrack = false;
  try {
    for (;;) {
      const object = await readSubgroupObject(reader, header, previous, limits);
      if (object === undefined) break;
      previous = object.objectId;
      // The object ID goes with the chunk, so a relay forwards it unchanged.
      // Extension headers travel with the chunk: a relay forwards them unchanged (the draft's Object Extension Header section).
      if (object.status === ObjectStatus.NORMAL)
        segment.writeChunk(kept(object.payload, policy), object.objectId, object.extensions);
      else if (object.status === ObjectStatus.END_OF_TRACK) endOfTrack = true;
    }
    segment.close();
  } catch (error) {
    // A data stream ending inside an object is what a peer that cannot reset (Deno) sends when it
    // cuts a group: like a reset, it ends that group only. Other violations end the session.
    if (error instanceof ProtocolViolation && !(error instanceof StreamEndedEarly)) {
      segment.close(CacheError.reset(0, error.message));
      throw error;
    }
    // The stream was reset (its code tells why), or the segment lost its readers.
    segment.close(CacheError.reset(streamErrorCode(error) ?? 0, "stream reset"));
    await reader.cancel().catch(() => {});
  } finally {
    if (groups.get(header.groupId) === segment) groups.delete(header.groupId);
  }
  return { endOfTrack };
}

/**
 * One SUBSCRIBE (or accepted PUBLISH) of ours: receives its groups into a cache track through the
 * session's own publisher handle. When the session made the track (`ownsTrack`), the track ends with
 * the subscription; otherwise only the handle is closed and the caller's track carries on.
 */
export class ReceivedSubscription {
  readonly requestId: number;
  readonly track: TrackPublisher;
  readonly description: string;
  readonly filter: SubscribeFilter;
  info: SubscriptionInfo | undefined;
  readonly #ownsTrack: boolean;
  readonly #limits: WireLimits;
  readonly #policy: ReceivePolicy;
  readonly #groups = new Map<number, SegmentPublisher>();
  /** Groups whose objects come as datagrams, still open. */
  readonly #datagramGroups = new Map<number, SegmentPublisher>();
  readonly #onFinished: (error: CacheError | null) => void;
  readonly #settle: Settle | undefined;
  #streamsSeen = 0;
  #streamsOpen = 0;
  #expectedStreams: number | undefined;
  #endError: CacheError | null | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;

  constructor(options: {
    requestId: number;
    track: TrackPublisher;
    description: string;
    limits: WireLimits;
    policy: ReceivePolicy;
    /** Told once, with how it ended (null = cleanly). */
    onFinished: (error: CacheError | null) => void;
    /** Told the publisher's answer. */
    settle?: Settle;
    filter?: SubscribeFilter;
    /** Whether the track ends with the subscription (default true); false closes only `track`. */
    ownsTrack?: boolean;
  }) {
    this.requestId = options.requestId;
    this.filter = options.filter ?? { type: "largest_object" };
    this.track = options.track;
    this.#ownsTrack = options.ownsTrack ?? true;
    this.description = options.description;
    this.#settle = options.settle;
    this.#limits = options.limits;
    this.#policy = options.policy;
    this.#onFinished = options.onFinished;
  }

  get isFinished(): boolean {
    return this.#finished;
  }

  /** Where the subscription starts, as the publisher computes it from the filter and SUBSCRIBE_OK. */
  get start(): Location {
    return filterStart(this.filter, this.info?.largest);
  }

  /** The last group (inclusive) of an absolute range; undefined = open-ended. */
  get endGroup(): number | undefined {
    return this.filter.type === "absolute_range" ? this.filter.endGroup : undefined;
  }

  accepted(info: Omit<SubscriptionInfo, "cacheDurationMs">, parameters: readonly Parameter[]): void {
    this.info = { ...info, cacheDurationMs: cacheDuration(parameters, this.#policy) };
    this.#settle?.resolve(this.info);
  }

  refused(code: number, reason: string): void {
    this.#settle?.reject(new RequestError(code, reason));
    const error = refusalError(code, reason);
    this.#finish(error, error);
  }

  /** PUBLISH_DONE: ends the track once the streams it counts have arrived (or after a grace period). */
  done(statusCode: number, streamCount: number, reason: string): void {
    // 200 is @moq/lite 0.2.2's "OK" (an HTTP-style code; draft-14 defines 0x0..0x7): a clean end too.
    const clean =
      statusCode === PublishDoneCode.TRACK_ENDED ||
      statusCode === PublishDoneCode.SUBSCRIPTION_ENDED ||
      statusCode === HTTP_OK;
    this.#endError = clean ? null : CacheError.reset(statusCode, reason === "" ? "publish done" : reason);
    // 2^62-1 says "unknown" (draft-14 9.12). @moq/lite 0.2.2 always says 0, and sends PUBLISH_DONE
    // before its group streams: with its status 200, a 0 means "unknown" too.
    const unknown = streamCount >= UNKNOWN_STREAM_COUNT || (statusCode === HTTP_OK && streamCount === 0);
    this.#expectedStreams = unknown ? Number.POSITIVE_INFINITY : streamCount;
    this.#maybeFinish();
    this.#armGrace();
  }

  /** After PUBLISH_DONE, streams still in flight get a grace period, restarted by each new one. */
  #armGrace(): void {
    if (this.#finished || this.#expectedStreams === undefined) return;
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    this.#graceTimer = setTimeout(() => {
      // No new stream for a while: expect none, and end once the open ones end.
      this.#expectedStreams = this.#streamsSeen;
      this.#maybeFinish();
    }, DONE_GRACE_MS);
  }

  async receive(header: SubgroupHeader, reader: StreamReader): Promise<void> {
    this.#streamsSeen++;
    this.#streamsOpen++;
    this.#armGrace();
    try {
      if (this.#finished) {
        await reader.cancel().catch(() => {});
        return;
      }
      const { endOfTrack } = await receiveSubgroup(
        this.track,
        this.#groups,
        header,
        reader,
        this.info?.cacheDurationMs ?? cacheDuration([], this.#policy),
        this.#limits,
        this.#policy,
      );
      if (endOfTrack && this.#endError === undefined) this.#endError = null;
    } finally {
      this.#streamsOpen--;
      this.#maybeFinish();
    }
  }

  /**
   * An object that came as a datagram. Each group is a segment; a newer group closes older ones (their
   * remaining datagrams are late or lost: datagrams are not retransmitted), as does End of Group.
   * A datagram out of order within its group is dropped, since chunk IDs only increase.
   */
  receiveDatagram(datagram: ObjectDatagram): void {
    if (this.#finished) return;
    let segment = this.#datagramGroups.get(datagram.groupId);
    if (segment === undefined) {
      try {
        segment = this.track.createSegment({
          sequence: datagram.groupId,
          priority: datagram.publisherPriority,
          expiresMs: this.info?.cacheDurationMs ?? cacheDuration([], this.#policy),
        });
      } catch {
        return; // a late datagram of a group already received, or nobody reads any more
      }
      for (const [group, older] of this.#datagramGroups) {
        if (group < datagram.groupId) {
          older.close();
          this.#datagramGroups.delete(group);
        }
      }
      this.#datagramGroups.set(datagram.groupId, segment);
    }
    const status = datagram.status ?? ObjectStatus.NORMAL;
    if (status === ObjectStatus.NORMAL) {
      try {
        segment.writeChunk(kept(datagram.payload, this.#policy), datagram.objectId, datagram.extensions);
      } catch {
        // out of order within the group: dropped
      }
    }
    const ends = datagram.endOfGroup || status === ObjectStatus.END_OF_GROUP || status === ObjectStatus.END_OF_TRACK;
    if (ends) {
      segment.close();
      this.#datagramGroups.delete(datagram.groupId);
    }
    if (status === ObjectStatus.END_OF_TRACK && this.#endError === undefined) this.#endError = null;
  }

  /**
   * Ends it now (UNSUBSCRIBE sent, or the session closed): groups still arriving end with `error`
   * (or as cancelled), and an unanswered SUBSCRIBE is rejected with `reason` (default `error`).
   */
  abandon(error: CacheError | null, reason?: Error): void {
    this.#finish(error, error ?? CacheError.reset(StreamResetCode.CANCELLED, "unsubscribed"), reason);
  }

  #maybeFinish(): void {
    if (this.#expectedStreams === undefined || this.#streamsOpen > 0) return;
    if (this.#streamsSeen >= this.#expectedStreams) {
      const error = this.#endError ?? null;
      this.#finish(error, error);
    }
  }

  /** `cut` ends the groups still open (null: they end cleanly). */
  #finish(error: CacheError | null, cut: CacheError | null, reason?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#settle?.reject(
      reason ?? error ?? new CacheError("closed", { message: "the subscription ended before SUBSCRIBE_OK" }),
    );
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    for (const segment of [...this.#groups.values(), ...this.#datagramGroups.values()]) segment.close(cut ?? undefined);
    this.#groups.clear();
    this.#datagramGroups.clear();
    // A track the caller owns is not ended: it only loses this session's handle.
    this.track.close(this.#ownsTrack ? (error ?? undefined) : undefined);
    this.#onFinished(error);
  }
}

/** One FETCH of ours: the fetch stream's objects become segments, one per group, in the order sent. */
export class ReceivedFetch {
  readonly requestId: number;
  readonly track: TrackPublisher;
  readonly #limits: WireLimits;
  readonly #policy: ReceivePolicy;
  readonly #onFinished: () => void;
  #finished = false;
  #reader: StreamReader | undefined;

  constructor(options: {
    requestId: number;
    track: TrackPublisher;
    limits: WireLimits;
    policy: ReceivePolicy;
    onFinished: () => void;
  }) {
    this.requestId = options.requestId;
    this.track = options.track;
    this.#limits = options.limits;
    this.#policy = options.policy;
    this.#onFinished = options.onFinished;
  }

  async receive(reader: StreamReader): Promise<void> {
    if (this.#finished || this.#reader !== undefined) {
      await reader.cancel().catch(() => {});
      return;
    }
    this.#reader = reader;
    let segment: SegmentPublisher | undefined;
    let group = -1;
    try {
      for (;;) {
        const object = await readFetchObject(reader, this.#limits);
        if (object === undefined) break;
        if (object.groupId !== group) {
          segment?.close();
          group = object.groupId;
          segment = this.track.createSegment({
            sequence: group,
            priority: object.publisherPriority,
            expiresMs: cacheDuration([], this.#policy),
          });
        }
        if (object.status === ObjectStatus.NORMAL)
          segment?.writeChunk(kept(object.payload, this.#policy), object.objectId, object.extensions);
      }
      segment?.close();
      this.#finish(null);
    } catch (error) {
      const cacheError =
        error instanceof CacheError ? error : CacheError.reset(streamErrorCode(error) ?? 0, "fetch stream reset");
      segment?.close(cacheError);
      this.#finish(cacheError);
      if (error instanceof ProtocolViolation && !(error instanceof StreamEndedEarly)) throw error;
      await reader.cancel().catch(() => {});
    }
  }

  refused(code: number, reason: string): void {
    this.#finish(refusalError(code, reason));
  }

  abandon(error: CacheError | null): void {
    void this.#reader?.cancel().catch(() => {});
    this.#finish(error);
  }

  #finish(error: CacheError | null): void {
    if (this.#finished) return;
    this.#finished = true;
    this.track.close(error ?? undefined);
    this.#onFinished();
  }
}
