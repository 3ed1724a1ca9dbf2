// The publishing half of a session: what we publish (broadcasts, PUBLISH pushes) and the peer's
// requests for it (SUBSCRIBE, SUBSCRIBE_UPDATE, UNSUBSCRIBE, FETCH, TRACK_STATUS, SUBSCRIBE_NAMESPACE).
import { TrackSubscriber } from "../cache/index.ts";
import {
  type Fetch,
  FetchErrorCode,
  intParameter,
  isPrefix,
  MessageParameter,
  type Namespace,
  namespaceKey,
  type Parameter,
  ProtocolViolation,
  PublishDoneCode,
  type PublishError,
  type PublishOk,
  SessionErrorCode,
  type Subscribe,
  SubscribeErrorCode,
  SubscribeNamespaceErrorCode,
  type SubscribeUpdate,
  type TrackName,
  type TrackStatus,
} from "../wire/index.ts";
import { checkPublisherGroupOrder } from "./arguments.ts";
import { Broadcast, type TrackOptions } from "./broadcast.ts";
import { refuse, type SessionContext, unknownRequest } from "./context.ts";
import { errorText, RequestError, SessionArgumentError, SessionError } from "./errors.ts";
import {
  describeTrack,
  fullTrackKey,
  type NamespaceInput,
  type TrackNameInput,
  toNamespace,
  toTrackName,
} from "./names.ts";
import { ServedSubscription } from "./serve.ts";
import { type FetchRange, FetchSender, planFetch } from "./serve-fetch.ts";
import { largestLocation, type ServedTrack } from "./served-track.ts";

/** The session handler's hooks for the peer's requests, bound to the session. */
export interface PublisherHooks {
  /** A track we do not publish ourselves (the relay's routing). Throw RequestError to refuse. */
  resolveTrack?(namespace: Namespace, name: TrackName): Promise<ServedTrack>;
  subscribeNamespace?(prefix: Namespace): void | Promise<void>;
  unsubscribeNamespace?(prefix: Namespace): void;
}

export class Publisher {
  readonly #context: SessionContext;
  readonly #hooks: PublisherHooks;
  readonly #broadcasts = new Map<string, { broadcast: Broadcast; requestId: number | undefined }>();
  readonly #served = new Map<number, ServedSubscription>();
  /** Tracks we push with PUBLISH, by our request ID. */
  readonly #pushed = new Map<number, ServedSubscription>();
  /**
   * The peer's subscriptions by full track key (bytes compared exactly): the request ID holding
   * each track, from its SUBSCRIBE until it ends or is unsubscribed.
   */
  readonly #servedTracks = new Map<string, number>();
  /** The peer's SUBSCRIBEs still being resolved (the relay may wait on its upstream), by request ID. */
  readonly #resolving = new Map<number, { key: string; unsubscribed: boolean }>();
  readonly #servedFetches = new Map<number, FetchSender>();
  readonly #peerPrefixes = new Map<number, Namespace>();

  constructor(context: SessionContext, hooks: PublisherHooks) {
    this.#context = context;
    this.#hooks = hooks;
  }

  /** PUBLISH_NAMESPACE; tracks are added to the returned broadcast. */
  publish(namespace: NamespaceInput): Broadcast {
    const context = this.#context;
    context.checkCanRequest();
    const ns = toNamespace(namespace);
    const key = namespaceKey(ns);
    if (this.#broadcasts.has(key))
      throw new SessionArgumentError(`namespace ${key} is already published on this session`);
    const entry: { broadcast: Broadcast; requestId: number | undefined } = {
      broadcast: undefined as never,
      requestId: undefined,
    };
    const ready = (async () => {
      const requestId = await context.allocate();
      entry.requestId = requestId;
      const reply = context.request(requestId, { kind: "publish_namespace", requestId, namespace: ns, parameters: [] });
      // Closed before its request ID came: sent anyway (request IDs reach the peer in order), then withdrawn.
      if (entry.broadcast.isClosed) context.send({ kind: "publish_namespace_done", namespace: ns });
      try {
        await reply;
      } catch (error) {
        // Refused: nothing to withdraw, and the namespace may be asked for again on this session.
        if (this.#broadcasts.get(key) === entry) this.#broadcasts.delete(key);
        throw error;
      }
    })();
    entry.broadcast = new Broadcast(ns, ready, (broadcast) => {
      // A refused broadcast left the map already: there is nothing to withdraw.
      if (this.#broadcasts.get(key)?.broadcast !== broadcast) return;
      this.#broadcasts.delete(key);
      if (entry.requestId !== undefined) context.send({ kind: "publish_namespace_done", namespace: ns });
    });
    this.#broadcasts.set(key, entry);
    return entry.broadcast;
  }

  /** PUBLISH: pushes `track` (read through clones, never closed) without waiting for a SUBSCRIBE. */
  async publishTrack(
    namespace: NamespaceInput,
    name: TrackNameInput,
    track: TrackSubscriber,
    options: TrackOptions,
  ): Promise<void> {
    const context = this.#context;
    context.checkCanRequest();
    const ns = toNamespace(namespace);
    const trackName = toTrackName(name);
    const groupOrder = checkPublisherGroupOrder(options.groupOrder);
    if (!(track instanceof TrackSubscriber) || track.isClosed)
      throw new SessionArgumentError("publishTrack needs an open TrackSubscriber");
    const requestId = await context.allocate();
    const served: ServedTrack = { track, groupOrder, maxCacheDurationMs: options.maxCacheDurationMs };
    const largest = largestLocation(track);
    // Our request IDs have our parity and the aliases we give the peer's SUBSCRIBEs have the
    // peer's: the request ID is a free alias.
    const trackAlias = requestId;
    let settle!: { resolve: () => void; reject: (error: Error) => void };
    const answered = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const pushed = new ServedSubscription(
      {
        openStream: (order) => context.openStream(order),
        sendRate: context.sendRate,
        sendControl: (message) => context.send(message),
        finished: (id) => {
          this.#pushed.delete(id);
          settle.reject(new SessionError(SessionErrorCode.NO_ERROR, "the published track ended before PUBLISH_OK"));
        },
        answered: (error) => (error === undefined ? settle.resolve() : settle.reject(error)),
      },
      served,
      {
        requestId,
        trackAlias,
        subscriberPriority: 128,
        groupOrder,
        forward: true,
        filter: { type: "largest_object" },
        largest,
      },
    );
    this.#pushed.set(requestId, pushed);
    const parameters: Parameter[] = [];
    if (options.maxCacheDurationMs !== undefined) {
      parameters.push({ type: MessageParameter.MAX_CACHE_DURATION, value: options.maxCacheDurationMs });
    }
    context.send({
      kind: "publish",
      requestId,
      namespace: ns,
      trackName,
      trackAlias,
      groupOrder,
      largest,
      forward: true,
      parameters,
    });
    void pushed.run();
    await answered;
  }

  // ---- the peer's requests -----------------------------------------------------------------------

  async onSubscribe(message: Subscribe): Promise<void> {
    const context = this.#context;
    const { requestId } = message;
    const key = fullTrackKey(message.namespace, message.trackName);
    const holder = this.#servedTracks.get(key);
    if (holder !== undefined) {
      // Two subscriptions to one track in one session: draft-14 9.7 says the subscriber MUST NOT and
      // the publisher SHOULD treat it as a protocol violation. We refuse this request only: the
      // session and the subscription already there carry on. Draft-14 has no SUBSCRIBE_ERROR code
      // for it, so INTERNAL_ERROR, with the reason.
      context.send({
        kind: "subscribe_error",
        requestId,
        errorCode: SubscribeErrorCode.INTERNAL_ERROR,
        reason: `already subscribed to ${describeTrack(message.namespace, message.trackName)} (request ${holder})`,
      });
      context.incoming.finish();
      return;
    }
    this.#servedTracks.set(key, requestId);
    const pending = { key, unsubscribed: false };
    this.#resolving.set(requestId, pending);
    let served: ServedTrack;
    try {
      served = await this.#resolve(message.namespace, message.trackName);
      if (message.filter.type === "absolute_range" && message.filter.endGroup < message.filter.start.group) {
        served.release?.();
        throw new RequestError(SubscribeErrorCode.INVALID_RANGE, "end group before start");
      }
    } catch (error) {
      this.#resolving.delete(requestId);
      this.#freeTrack(key, requestId);
      refuse(context, "subscribe_error", requestId, error, SubscribeErrorCode.INTERNAL_ERROR);
      context.incoming.finish();
      return;
    }
    this.#resolving.delete(requestId);
    if (context.isClosed) {
      served.release?.();
      return;
    }
    if (pending.unsubscribed) {
      // UNSUBSCRIBE came while we resolved: the track was freed then; serve nothing. Every SUBSCRIBE
      // gets exactly one answer (draft-14 9.4), and the subscriber has dropped its state already.
      served.release?.();
      context.send({
        kind: "subscribe_error",
        requestId,
        errorCode: SubscribeErrorCode.INTERNAL_ERROR,
        reason: "unsubscribed before the subscription was established",
      });
      context.incoming.finish();
      return;
    }
    const largest = largestLocation(served.track);
    // The SUBSCRIBE's own request ID is unique among this session's subscriptions, so it is the
    // alias: the convention @moq/lite relies on to accept data that overtakes SUBSCRIBE_OK.
    const trackAlias = requestId;
    const subscription = new ServedSubscription(
      {
        openStream: (order) => context.openStream(order),
        sendRate: context.sendRate,
        sendControl: (reply) => context.send(reply),
        finished: (id) => {
          if (this.#served.get(id) === subscription) {
            this.#served.delete(id);
            this.#freeTrack(key, id);
            context.incoming.finish();
          }
        },
      },
      served,
      {
        requestId,
        trackAlias,
        subscriberPriority: message.subscriberPriority,
        groupOrder: message.groupOrder,
        forward: message.forward,
        filter: message.filter,
        largest,
        deliveryTimeoutMs: intParameter(message.parameters, MessageParameter.DELIVERY_TIMEOUT),
      },
    );
    this.#served.set(requestId, subscription);
    const parameters: Parameter[] = [];
    if (served.maxCacheDurationMs !== undefined)
      parameters.push({ type: MessageParameter.MAX_CACHE_DURATION, value: served.maxCacheDurationMs });
    context.send({
      kind: "subscribe_ok",
      requestId,
      trackAlias,
      expires: 0,
      groupOrder: subscription.groupOrder,
      largest,
      parameters,
    });
    void subscription.run();
  }

  onSubscribeUpdate(message: SubscribeUpdate): void {
    const served = this.#served.get(message.subscriptionRequestId);
    if (served !== undefined) served.update(message);
    else if (!this.#context.incoming.used(message.subscriptionRequestId)) {
      throw new ProtocolViolation(
        SessionErrorCode.PROTOCOL_VIOLATION,
        `SUBSCRIBE_UPDATE for unknown request ${message.subscriptionRequestId}`,
      );
    }
  }

  onUnsubscribe(requestId: number): void {
    const pending = this.#resolving.get(requestId);
    if (pending !== undefined) {
      // Still resolving: the track is free for the next SUBSCRIBE now; onSubscribe drops this one.
      pending.unsubscribed = true;
      this.#freeTrack(pending.key, requestId);
      return;
    }
    (this.#served.get(requestId) ?? this.#pushed.get(requestId))?.stop(
      PublishDoneCode.SUBSCRIPTION_ENDED,
      "unsubscribed",
    );
  }

  async onTrackStatus(message: TrackStatus): Promise<void> {
    const { requestId } = message;
    try {
      const served = await this.#resolve(message.namespace, message.trackName);
      const largest = largestLocation(served.track);
      served.release?.();
      this.#context.send({
        kind: "track_status_ok",
        requestId,
        trackAlias: 0,
        expires: 0,
        groupOrder: served.groupOrder ?? 2,
        largest,
        parameters: [],
      });
    } catch (error) {
      refuse(this.#context, "track_status_error", requestId, error, SubscribeErrorCode.INTERNAL_ERROR);
    } finally {
      this.#context.incoming.finish();
    }
  }

  async onFetch(message: Fetch): Promise<void> {
    const context = this.#context;
    const { requestId } = message;
    try {
      let served: ServedTrack;
      let range: FetchRange;
      const fetch = message.fetch;
      if (fetch.type === "standalone") {
        served = await this.#resolve(fetch.namespace, fetch.trackName);
        range = { start: fetch.start, end: fetch.end };
      } else {
        const subscription = this.#served.get(fetch.joiningRequestId);
        if (subscription === undefined)
          throw new RequestError(FetchErrorCode.INVALID_JOINING_REQUEST_ID, "no such subscription");
        const largest = subscription.largestAtStart;
        if (largest === undefined)
          throw new RequestError(FetchErrorCode.INVALID_RANGE, "the track had no objects when subscribed");
        const startGroup =
          fetch.type === "relative_joining" ? Math.max(0, largest.group - fetch.joiningStart) : fetch.joiningStart;
        served = subscription.servedTrack;
        range = { start: { group: startGroup, object: 0 }, end: { group: largest.group, object: largest.object + 1 } };
      }
      const plan = planFetch(served, range, message.groupOrder);
      if (fetch.type === "standalone") served.release?.();
      if (!plan.ok) throw new RequestError(plan.code, plan.reason);
      const sender = new FetchSender(requestId, plan);
      this.#servedFetches.set(requestId, sender);
      context.send({
        kind: "fetch_ok",
        requestId,
        groupOrder: plan.groupOrder,
        endOfTrack: false,
        end: plan.end,
        parameters: [],
      });
      await sender.run((order) => context.openStream(order), message.subscriberPriority, context.sendRate);
    } catch (error) {
      refuse(context, "fetch_error", requestId, error, FetchErrorCode.INTERNAL_ERROR);
    } finally {
      this.#servedFetches.delete(requestId);
      context.incoming.finish();
    }
  }

  onFetchCancel(requestId: number): void {
    this.#servedFetches.get(requestId)?.cancel();
  }

  /** The peer's answer to a PUBLISH of ours. */
  onPublishReply(message: PublishOk | PublishError): void {
    const pushed = this.#pushed.get(message.requestId);
    if (pushed === undefined) {
      // The push ended before the answer came.
      if (this.#context.isOurs(message.requestId)) return;
      throw unknownRequest(message.kind, message.requestId);
    }
    if (message.kind === "publish_ok") pushed.accepted(message);
    else {
      this.#context.log(`PUBLISH refused: ${message.errorCode} ${message.reason}`);
      pushed.refused(new RequestError(message.errorCode, message.reason));
    }
  }

  /** PUBLISH_NAMESPACE_CANCEL: the peer no longer routes subscriptions to us for this namespace. */
  onPublishNamespaceCancel(namespace: Namespace): void {
    this.#broadcasts.delete(namespaceKey(namespace));
  }

  async onSubscribeNamespace(requestId: number, prefix: Namespace): Promise<void> {
    const context = this.#context;
    const overlaps = [...this.#peerPrefixes.values()].some(
      (active) => isPrefix(active, prefix) || isPrefix(prefix, active),
    );
    const subscribeNamespace = this.#hooks.subscribeNamespace;
    if (overlaps || subscribeNamespace === undefined) {
      context.send({
        kind: "subscribe_namespace_error",
        requestId,
        errorCode: overlaps
          ? SubscribeNamespaceErrorCode.NAMESPACE_PREFIX_OVERLAP
          : SubscribeNamespaceErrorCode.NOT_SUPPORTED,
        reason: overlaps ? "overlaps an active prefix" : "not supported",
      });
      context.incoming.finish();
      return;
    }
    // The hook first: throwing refuses (SUBSCRIBE_NAMESPACE_ERROR, e.g. UNAUTHORIZED); it announces
    // what exists after the OK (session.ts).
    let listing: void | Promise<void>;
    try {
      listing = subscribeNamespace(prefix);
    } catch (error) {
      refuse(context, "subscribe_namespace_error", requestId, error, SubscribeNamespaceErrorCode.INTERNAL_ERROR);
      context.incoming.finish();
      return;
    }
    this.#peerPrefixes.set(requestId, prefix);
    try {
      context.send({ kind: "subscribe_namespace_ok", requestId });
      await listing;
    } catch (error) {
      this.#peerPrefixes.delete(requestId);
      context.incoming.finish();
      context.log(`SUBSCRIBE_NAMESPACE handler failed: ${errorText(error)}`);
    }
  }

  onUnsubscribeNamespace(prefix: Namespace): void {
    for (const [requestId, active] of this.#peerPrefixes) {
      if (namespaceKey(active) === namespaceKey(prefix)) {
        this.#peerPrefixes.delete(requestId);
        this.#context.incoming.finish();
        this.#hooks.unsubscribeNamespace?.(active);
      }
    }
  }

  /** The session ended: stop serving, say nothing. */
  close(): void {
    for (const served of [...this.#served.values(), ...this.#pushed.values()]) served.abandon();
    for (const sender of this.#servedFetches.values()) sender.cancel();
    for (const { broadcast } of [...this.#broadcasts.values()]) broadcast.close();
    for (const prefix of this.#peerPrefixes.values()) this.#hooks.unsubscribeNamespace?.(prefix);
    this.#peerPrefixes.clear();
  }

  /** Frees `key` for new SUBSCRIBEs, if `requestId` still holds it. */
  #freeTrack(key: string, requestId: number): void {
    if (this.#servedTracks.get(key) === requestId) this.#servedTracks.delete(key);
  }

  /** The track to serve: one of our broadcasts, else the handler's (the relay's). Throws RequestError. */
  async #resolve(namespace: Namespace, name: TrackName): Promise<ServedTrack> {
    const local = this.#broadcasts.get(namespaceKey(namespace))?.broadcast.track(name);
    if (local !== undefined) return local;
    if (this.#hooks.resolveTrack !== undefined) return this.#hooks.resolveTrack(namespace, name);
    throw new RequestError(SubscribeErrorCode.TRACK_DOES_NOT_EXIST, "not found");
  }
}
