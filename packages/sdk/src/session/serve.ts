// The publisher side of one subscription: reads a clone of a cache track and sends each group
// (segment) on its own unidirectional stream as a subgroup, one object per chunk.
import { CacheError, type SegmentSubscriber, type TrackSubscriber } from "../cache/index.ts";
import {
  type ControlMessage,
  encodeSubgroupHeader,
  encodeSubgroupObjectHeader,
  intParameter,
  type Location,
  MessageParameter,
  PublishDoneCode,
  type PublishOk,
  StreamResetCode,
  type SubscribeFilter,
  type SubscribeUpdate,
} from "../wire/index.ts";
import { filterStart } from "./filter.ts";
import { sendOrder, toPublisherPriority } from "./priority.ts";
import type { SendRateLimit } from "./send-rate.ts";
import type { ServedTrack } from "./served-track.ts";
import { abortStream, DataStreamWriter } from "./stream-writer.ts";
import type { TransportSendStream } from "./transport.ts";

/** The longest delay a timer takes as it is (ms); a longer one fires at once (with a warning). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** What a served subscription needs from its session. */
export interface ServeHost {
  openStream(sendOrder: number): Promise<TransportSendStream>;
  sendControl(message: ControlMessage): void;
  /** Called once the subscription is over (PUBLISH_DONE sent or the session closed). */
  finished(requestId: number): void;
  /** For a PUBLISH of ours: the peer's PUBLISH_OK (no error) or PUBLISH_ERROR. */
  answered?(error: Error | undefined): void;
  /** The session's send rate cap (a test option), taken before each write. */
  readonly sendRate?: SendRateLimit;
}

export interface ServeRequest {
  requestId: number;
  trackAlias: number;
  subscriberPriority: number;
  groupOrder: 0 | 1 | 2;
  forward: boolean;
  filter: SubscribeFilter;
  /** The largest location when the subscription started (reported in SUBSCRIBE_OK). */
  largest: Location | undefined;
  /** The subscriber's DELIVERY TIMEOUT (ms), if it gave one. */
  deliveryTimeoutMs?: number;
}

/** Groups one subscription may have in flight before the oldest is cut (see #makeRoom). */
const MAX_GROUPS_IN_FLIGHT = 8;
/**
 * Cut groups one subscription may have still winding down (a reset waiting for its object to leave,
 * or a stream open the transport has not answered) before new groups are dropped unsent: a peer that
 * grants no stream credit or never reads then holds a bounded number of streams, not one per group.
 */
const MAX_GROUPS_DRAINING = 8;

export class ServedSubscription {
  readonly requestId: number;
  readonly trackAlias: number;
  readonly largestAtStart: Location | undefined;
  readonly #host: ServeHost;
  readonly #served: ServedTrack;
  readonly #reader: TrackSubscriber;
  readonly #groupOrder: 1 | 2;
  #subscriberPriority: number;
  #forward: boolean;
  #deliveryTimeoutMs: number | undefined;
  #start: Location;
  /** Inclusive; undefined = open-ended. */
  #endGroup: number | undefined;
  readonly #streams = new Set<GroupSender>();
  #streamCount = 0;
  /** Stream opens of cut groups the transport has not answered yet (each aborted once it is). */
  #orphanedOpens = 0;
  #stopped = false;
  #doneSent = false;

  constructor(host: ServeHost, served: ServedTrack, request: ServeRequest) {
    this.#host = host;
    this.#served = served;
    this.requestId = request.requestId;
    this.trackAlias = request.trackAlias;
    this.largestAtStart = request.largest;
    this.#reader = served.track.clone();
    this.#groupOrder = request.groupOrder === 0 ? (served.groupOrder ?? 2) : request.groupOrder;
    this.#subscriberPriority = request.subscriberPriority;
    this.#forward = request.forward;
    this.#deliveryTimeoutMs = request.deliveryTimeoutMs;
    this.#start = filterStart(request.filter, request.largest);
    this.#endGroup = request.filter.type === "absolute_range" ? request.filter.endGroup : undefined;
  }

  get servedTrack(): ServedTrack {
    return this.#served;
  }

  get groupOrder(): 1 | 2 {
    return this.#groupOrder;
  }

  /** Sends groups until the track ends, the filter's end is reached or the subscription is stopped. */
  async run(): Promise<void> {
    let status: number = PublishDoneCode.TRACK_ENDED;
    let reason = "";
    try {
      for (;;) {
        const segment = await this.#reader.nextSegment();
        if (segment === undefined || this.#stopped) {
          segment?.close();
          break;
        }
        const group = segment.sequence;
        if (!this.#forward || group < this.#start.group || (this.#endGroup !== undefined && group > this.#endGroup)) {
          segment.close();
          continue;
        }
        const firstObject = group === this.#start.group ? this.#start.object : 0;
        if (!this.#makeRoom()) {
          segment.close();
          continue;
        }
        const sender = new GroupSender(this, segment, firstObject);
        this.#streams.add(sender);
        void sender.run().finally(() => this.#streams.delete(sender));
        if (this.#endGroup !== undefined && group === this.#endGroup) {
          status = PublishDoneCode.SUBSCRIPTION_ENDED;
          break;
        }
      }
    } catch (error) {
      // The publisher's session ended: the track ended with it. Anything else is an error upstream.
      if (error instanceof CacheError && error.code === "reset" && error.wireCode === StreamResetCode.SESSION_CLOSED) {
        reason = "the publisher went away";
      } else {
        status = PublishDoneCode.INTERNAL_ERROR;
        reason = error instanceof CacheError ? `track ended: ${error.message}` : "track failed";
      }
    } finally {
      this.#reader.close();
    }
    if (this.#stopped) return;
    // PUBLISH_DONE only once every stream this subscription will open is closed (draft-14 9.12).
    await Promise.allSettled([...this.#streams].map((sender) => sender.done));
    this.#sendDone(status, reason);
  }

  /**
   * A subscriber that falls behind must not cost unbounded work: with too many groups still being
   * sent, the oldest is cut (newer groups matter more in live media; it would be stale anyway).
   */
  #makeRoom(): boolean {
    let active = 0;
    let draining = this.#orphanedOpens;
    let oldest: GroupSender | undefined;
    for (const sender of this.#streams) {
      if (sender.isCancelled) {
        draining++;
        continue;
      }
      active++;
      if (oldest === undefined || sender.group < oldest.group) oldest = sender;
    }
    // Cut groups are not winding down (a stalled peer): the new group is dropped, not sent.
    if (draining >= MAX_GROUPS_DRAINING) return false;
    if (active >= MAX_GROUPS_IN_FLIGHT) oldest?.cancel(StreamResetCode.CANCELLED);
    return true;
  }

  /** SUBSCRIBE_UPDATE: narrows the range, changes priority or forwarding. */
  update(message: SubscribeUpdate): void {
    this.#subscriberPriority = message.subscriberPriority;
    // A parameter left out of SUBSCRIBE_UPDATE keeps its value (draft-14 9.10).
    this.#deliveryTimeoutMs =
      intParameter(message.parameters, MessageParameter.DELIVERY_TIMEOUT) ?? this.#deliveryTimeoutMs;
    this.#forward = message.forward;
    if (message.start.group > this.#start.group) this.#start = message.start;
    if (message.endGroup !== 0) this.#endGroup = message.endGroup - 1;
    for (const sender of this.#streams) {
      if (this.#endGroup !== undefined && sender.group > this.#endGroup) sender.cancel(StreamResetCode.CANCELLED);
      else sender.reprioritize();
    }
  }

  /** PUBLISH_OK for a PUBLISH of ours: the subscriber's priority, forwarding and range. */
  accepted(message: PublishOk): void {
    this.#subscriberPriority = message.subscriberPriority;
    this.#forward = message.forward;
    if (message.filter.type === "absolute_start" || message.filter.type === "absolute_range") {
      this.#start = message.filter.start;
    }
    if (message.filter.type === "absolute_range") this.#endGroup = message.filter.endGroup;
    this.#deliveryTimeoutMs =
      intParameter(message.parameters, MessageParameter.DELIVERY_TIMEOUT) ?? this.#deliveryTimeoutMs;
    for (const sender of this.#streams) sender.reprioritize();
    this.#host.answered?.(undefined);
  }

  /** PUBLISH_ERROR for a PUBLISH of ours: stop, without PUBLISH_DONE (there is no subscription). */
  refused(error: Error): void {
    this.#host.answered?.(error);
    this.abandon();
  }

  /** UNSUBSCRIBE, or the publisher ends it: resets open streams and says PUBLISH_DONE. */
  stop(status: number, reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reader.close();
    for (const sender of this.#streams) sender.cancel(StreamResetCode.CANCELLED);
    this.#sendDone(status, reason);
  }

  /** The session is gone: drop everything, say nothing. */
  abandon(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#doneSent = true;
    this.#reader.close();
    for (const sender of this.#streams) sender.cancel(StreamResetCode.SESSION_CLOSED);
    this.#served.release?.();
    this.#host.finished(this.requestId);
  }

  #sendDone(statusCode: number, reason: string): void {
    if (this.#doneSent) return;
    this.#doneSent = true;
    this.#host.sendControl({
      kind: "publish_done",
      requestId: this.requestId,
      statusCode,
      streamCount: this.#streamCount,
      reason,
    });
    this.#served.release?.();
    this.#host.finished(this.requestId);
  }

  // ---- for GroupSender ----

  /**
   * How long a group may take to send: its time to live, or the subscriber's DELIVERY TIMEOUT if
   * shorter (draft-14 9.2.2: the smaller of the two applies); undefined = no limit.
   */
  deadlineFor(segmentTtlMs: number | undefined): number | undefined {
    const timeout = this.#deliveryTimeoutMs;
    if (timeout === undefined) return segmentTtlMs;
    return segmentTtlMs === undefined ? timeout : Math.min(timeout, segmentTtlMs);
  }

  sendOrderFor(group: number, publisherPriority: number): number {
    return sendOrder(this.#subscriberPriority, publisherPriority, this.#groupOrder, group);
  }

  get sendRate(): SendRateLimit | undefined {
    return this.#host.sendRate;
  }

  openStream(order: number): Promise<TransportSendStream> {
    this.#streamCount++;
    return this.#host.openStream(order);
  }

  /** A group was cut while its stream was being opened: the stream is reset whenever it comes. */
  orphan(opening: Promise<TransportSendStream>, code: number): void {
    this.#orphanedOpens++;
    opening
      .then(
        (stream) => abortStream(stream, code),
        () => {},
      )
      .finally(() => this.#orphanedOpens--);
  }
}

/** One group on one stream: header, then each chunk as an object, then FIN; reset if cut short. */
class GroupSender {
  readonly group: number;
  readonly done: Promise<void>;
  readonly #subscription: ServedSubscription;
  readonly #segment: SegmentSubscriber;
  readonly #firstObject: number;
  readonly #publisherPriority: number;
  /** Only with a send rate cap: stops a wait for tokens when the group is cut. */
  readonly #abort: AbortController | undefined;
  #resolveDone!: () => void;
  /** Rejects once the group is cut: every wait of run() races it, so a cut never waits on the peer. */
  readonly #cancelled: Promise<never>;
  #rejectCancelled!: (error: Error) => void;
  #stream: TransportSendStream | undefined;
  #cancelCode: number | undefined;

  constructor(subscription: ServedSubscription, segment: SegmentSubscriber, firstObject: number) {
    this.#subscription = subscription;
    this.#segment = segment;
    this.group = segment.sequence;
    this.#firstObject = firstObject;
    this.#publisherPriority = toPublisherPriority(segment.priority);
    this.#abort = subscription.sendRate === undefined ? undefined : new AbortController();
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    this.#cancelled = new Promise<never>((_, reject) => {
      this.#rejectCancelled = reject;
    });
    this.#cancelled.catch(() => {});
  }

  /** `work`, or a rejection as soon as the group is cut (a pending open or blocked write included). */
  #unlessCut<T>(work: Promise<T>): Promise<T> {
    work.catch(() => {});
    return Promise.race([work, this.#cancelled]);
  }

  async run(): Promise<void> {
    const segment = this.#segment;
    // A group that outlives its time to live is cut, never waited on (delivery timeout).
    const limitMs = this.#subscription.deadlineFor(segment.expiresMs);
    // A deadline past a timer's range (2^31-1 ms, 24.8 days) would fire after 1 ms: none is set then.
    const deadline =
      limitMs === undefined || limitMs > MAX_TIMER_DELAY_MS
        ? undefined
        : setTimeout(() => this.cancel(StreamResetCode.DELIVERY_TIMEOUT), limitMs);
    let writer: DataStreamWriter | undefined;
    try {
      const subscription = this.#subscription;
      const limit = subscription.sendRate;
      const opening = subscription.openStream(subscription.sendOrderFor(this.group, this.#publisherPriority));
      let stream: TransportSendStream;
      try {
        stream = await this.#unlessCut(opening);
      } catch (error) {
        // Cut before the transport gave the stream (no stream credit): it is reset once it comes.
        if (this.#cancelCode !== undefined) subscription.orphan(opening, this.#cancelCode);
        throw error;
      }
      this.#stream = stream;
      writer = new DataStreamWriter(stream);
      if (this.#cancelCode !== undefined) throw new Error("cancelled");
      // The header goes out with the first object, whose extension headers decide the stream type:
      // a group whose first object has extensions is sent with them (later ones without are empty).
      let unsentHeader = true;
      let withExtensions = false;
      let previous: number | undefined;
      for (;;) {
        const chunk = await segment.readChunk();
        if (chunk === undefined || this.#cancelCode !== undefined) break;
        const id = segment.chunkId;
        if (id < this.#firstObject) continue;
        const extensions = segment.chunkHeader;
        if (unsentHeader) withExtensions = extensions !== undefined;
        const objectHeader = encodeSubgroupObjectHeader({ extensions: withExtensions }, previous, {
          objectId: id,
          payloadLength: chunk.length,
          extensions: withExtensions ? extensions : undefined,
        });
        const header = unsentHeader ? this.#header(withExtensions) : undefined;
        // Under a send rate cap the most important group waiting goes first; a cut ends the wait.
        const wait = limit?.take(
          (header?.length ?? 0) + objectHeader.length + chunk.length,
          subscription.sendOrderFor(this.group, this.#publisherPriority),
          this.#abort?.signal,
        );
        if (wait !== undefined && !(await wait)) break;
        if (header !== undefined) await this.#unlessCut(writer.write(header, objectHeader, chunk));
        else await this.#unlessCut(writer.write(objectHeader, chunk));
        this.#subscription.servedTrack.onObjectSent?.(this.group, id, chunk);
        unsentHeader = false;
        previous = id;
      }
      if (this.#cancelCode !== undefined) throw new Error("cancelled");
      if (unsentHeader) await this.#unlessCut(writer.write(this.#header(false)));
      await this.#unlessCut(writer.finish());
    } catch (error) {
      // Cancelled, stopped by the peer, or the segment ended with an error upstream: reset the stream.
      const code =
        this.#cancelCode ??
        (error instanceof CacheError && error.code === "reset"
          ? StreamResetCode.INTERNAL_ERROR
          : StreamResetCode.CANCELLED);
      await writer?.cut(code);
    } finally {
      if (deadline !== undefined) clearTimeout(deadline);
      segment.close();
      this.#resolveDone();
    }
  }

  /** The SUBGROUP_HEADER: FIN ends the group, since a segment is a whole group (Deno cannot reset, see README). */
  #header(extensions: boolean): Uint8Array {
    return encodeSubgroupHeader({
      trackAlias: this.#subscription.trackAlias,
      groupId: this.group,
      subgroupId: 0,
      publisherPriority: this.#publisherPriority,
      extensions,
      endOfGroup: true,
    });
  }

  reprioritize(): void {
    if (this.#stream !== undefined) {
      this.#stream.sendOrder = this.#subscription.sendOrderFor(this.group, this.#publisherPriority);
    }
  }

  get isCancelled(): boolean {
    return this.#cancelCode !== undefined;
  }

  /** Stops sending: the stream is reset with `code` (the segment's reader is closed, so the loop ends). */
  cancel(code: number): void {
    if (this.#cancelCode !== undefined) return;
    this.#cancelCode = code;
    this.#rejectCancelled(new Error("cancelled"));
    this.#abort?.abort();
    this.#segment.close();
  }
}
