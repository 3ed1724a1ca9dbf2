// The subscribing half of a session: our requests (SUBSCRIBE, FETCH, TRACK_STATUS,
// SUBSCRIBE_NAMESPACE) and their replies, the peer's announcements and PUBLISH pushes, and the data
// that arrives for them (incoming.ts finds it by track alias).
import { CacheError, createTrack, type TrackPublisher, type TrackSubscriber } from "../cache/index.ts";
import {
  type Fetch,
  type FetchError,
  type FetchOk,
  isPrefix,
  type Namespace,
  namespaceKey,
  ProtocolViolation,
  type Publish,
  type PublishDone,
  PublishErrorCode,
  PublishNamespaceErrorCode,
  SessionErrorCode,
  StreamResetCode,
  type SubscribeError,
  type SubscribeOk,
  type TrackName,
} from "../wire/index.ts";
import { TrackAliases } from "./aliases.ts";
import { checkInto, checkLocation, checkPriority, checkSubscribeOptions } from "./arguments.ts";
import { refuse, type SessionContext, unknownRequest } from "./context.ts";
import { SessionError } from "./errors.ts";
import type { DataRoutes } from "./incoming.ts";
import {
  describeTrack,
  fullTrackKey,
  type NamespaceInput,
  type TrackNameInput,
  toNamespace,
  toNamespacePrefix,
  toTrackName,
} from "./names.ts";
import { NamespaceWatcher } from "./namespace-watcher.ts";
import type { SubscribeOptions, TrackStatusInfo } from "./options.ts";
import { ReceivedFetch, ReceivedSubscription, toCacheError } from "./receive.ts";
import type { FetchRange } from "./serve-fetch.ts";
import { Subscription, type SubscriptionHost } from "./subscription.ts";

/** The session handler's hooks for what the peer publishes to us, bound to the session. */
export interface SubscriberHooks {
  publishNamespace?(namespace: Namespace): void | Promise<void>;
  publishNamespaceDone?(namespace: Namespace): void;
  /** The peer pushes a track (PUBLISH); without this hook PUBLISH is refused. */
  publish?(namespace: Namespace, name: TrackName, track: TrackSubscriber): void;
}

export class Subscriber {
  readonly #context: SessionContext;
  readonly #hooks: SubscriberHooks;
  /** Our SUBSCRIBEs and the peer's accepted PUBLISHes, by request ID. */
  readonly #subscriptions = new Map<number, ReceivedSubscription>();
  /** Our SUBSCRIBEs by full track key (fullTrackKey: bytes compared exactly), until each finishes. */
  readonly #byTrack = new Map<string, Set<ReceivedSubscription>>();
  readonly #aliases = new TrackAliases<ReceivedSubscription>();
  readonly #fetches = new Map<number, ReceivedFetch>();
  readonly #watchers = new Map<number, NamespaceWatcher>();
  readonly #peerNamespaces = new Map<string, Namespace>();
  readonly #host: SubscriptionHost;

  constructor(context: SessionContext, hooks: SubscriberHooks) {
    this.#context = context;
    this.#hooks = hooks;
    this.#host = {
      get isClosed() {
        return context.isClosed;
      },
      checkCanRequest: () => context.checkCanRequest(),
      allocate: () => context.allocate(),
      send: (message) => context.send(message),
      receive: (init) => {
        const key = fullTrackKey(init.namespace, init.name);
        this.#unsubscribeEnded(key);
        const subscription = new ReceivedSubscription({
          ...init,
          limits: context.limits,
          policy: context.receive,
          onFinished: (error) => {
            this.#forget(init.requestId);
            const same = this.#byTrack.get(key);
            same?.delete(subscription);
            if (same?.size === 0) this.#byTrack.delete(key);
            init.onFinished(error);
          },
        });
        this.#subscriptions.set(init.requestId, subscription);
        const same = this.#byTrack.get(key);
        if (same === undefined) this.#byTrack.set(key, new Set([subscription]));
        else same.add(subscription);
        return subscription;
      },
      fetch: (description, build) => this.#startFetch(description, build),
    };
  }

  /** Namespaces the peer currently publishes to us. */
  get peerNamespaces(): Namespace[] {
    return [...this.#peerNamespaces.values()];
  }

  subscribe(
    namespace: NamespaceInput,
    name: TrackNameInput,
    options: SubscribeOptions & { into?: TrackPublisher },
  ): Subscription {
    this.#context.checkCanRequest();
    const ns = toNamespace(namespace);
    const trackName = toTrackName(name);
    const fields = checkSubscribeOptions(options);
    const description = describeTrack(ns, trackName);
    const request = { ...fields, namespace: ns, name: trackName, description };
    if (options.into !== undefined)
      return new Subscription(this.#host, request, checkInto(options.into).clone(), undefined);
    const [publisher, subscriber] = createTrack(description, this.#context.receive.trackOptions);
    return new Subscription(this.#host, request, publisher, subscriber);
  }

  /** FETCH (standalone); the returned reader ends after the last group. */
  fetch(
    namespace: NamespaceInput,
    name: TrackNameInput,
    range: FetchRange,
    options: { priority?: number; groupOrder?: 0 | 1 | 2 },
  ): TrackSubscriber {
    this.#context.checkCanRequest();
    const ns = toNamespace(namespace);
    const trackName = toTrackName(name);
    checkLocation(range.start, "start");
    checkLocation(range.end, "end");
    const priority = checkPriority(options.priority ?? 128);
    return this.#startFetch(describeTrack(ns, trackName), (requestId) => ({
      kind: "fetch",
      requestId,
      subscriberPriority: priority,
      groupOrder: options.groupOrder ?? 0,
      fetch: { type: "standalone", namespace: ns, trackName, start: range.start, end: range.end },
      parameters: [],
    }));
  }

  async trackStatus(namespace: NamespaceInput, name: TrackNameInput): Promise<TrackStatusInfo> {
    const context = this.#context;
    context.checkCanRequest();
    const ns = toNamespace(namespace);
    const trackName = toTrackName(name);
    const requestId = await context.allocate();
    const reply = await context.request(requestId, {
      kind: "track_status",
      requestId,
      namespace: ns,
      trackName,
      subscriberPriority: 128,
      groupOrder: 0,
      forward: false,
      filter: { type: "largest_object" },
      parameters: [],
    });
    if (reply.kind !== "track_status_ok")
      throw new SessionError(SessionErrorCode.PROTOCOL_VIOLATION, "unexpected reply");
    return { groupOrder: reply.groupOrder, largest: reply.largest };
  }

  subscribeNamespace(prefix: NamespaceInput): NamespaceWatcher {
    const context = this.#context;
    context.checkCanRequest();
    const ns = toNamespacePrefix(prefix);
    let requestId: number | undefined;
    let watcher: NamespaceWatcher | undefined;
    const ready = (async () => {
      requestId = await context.allocate();
      this.#watchers.set(requestId, watcher as NamespaceWatcher);
      try {
        await context.request(requestId, {
          kind: "subscribe_namespace",
          requestId,
          namespacePrefix: ns,
          parameters: [],
        });
      } catch (error) {
        this.#watchers.delete(requestId);
        throw error;
      }
      // Namespaces the peer announced before we asked.
      for (const known of this.#peerNamespaces.values())
        if (isPrefix(ns, known)) watcher?.push({ namespace: known, active: true });
    })();
    watcher = new NamespaceWatcher(ns, ready, () => {
      if (requestId === undefined || !this.#watchers.delete(requestId)) return;
      context.send({ kind: "unsubscribe_namespace", namespacePrefix: ns });
    });
    return watcher;
  }

  // ---- replies to our requests -------------------------------------------------------------------

  onSubscribeOk(message: SubscribeOk): void {
    const subscription = this.#subscriptions.get(message.requestId);
    if (subscription === undefined || subscription.info !== undefined) {
      // A SUBSCRIBE_OK crossing our UNSUBSCRIBE is fine; one for a request never made, or twice, is not.
      if (subscription === undefined && this.#context.isOurs(message.requestId)) return;
      throw unknownRequest(message.kind, message.requestId);
    }
    const { trackAlias } = message;
    if (this.#aliases.has(trackAlias))
      throw new ProtocolViolation(SessionErrorCode.DUPLICATE_TRACK_ALIAS, `track alias ${trackAlias} is in use`);
    subscription.accepted({ trackAlias, groupOrder: message.groupOrder, largest: message.largest }, message.parameters);
    this.#aliases.set(trackAlias, subscription);
  }

  onSubscribeError(message: SubscribeError): void {
    const subscription = this.#subscriptions.get(message.requestId);
    if (subscription === undefined) {
      if (this.#context.isOurs(message.requestId)) return;
      throw unknownRequest(message.kind, message.requestId);
    }
    this.#context.log(`SUBSCRIBE ${subscription.description} refused: ${message.errorCode} ${message.reason}`);
    subscription.refused(message.errorCode, message.reason);
  }

  onPublishDone(message: PublishDone): void {
    // After UNSUBSCRIBE the subscription is gone already: a late PUBLISH_DONE is fine.
    this.#subscriptions.get(message.requestId)?.done(message.statusCode, message.streamCount, message.reason);
  }

  onFetchReply(message: FetchOk | FetchError): void {
    const fetch = this.#fetches.get(message.requestId);
    if (fetch === undefined) {
      if (this.#context.isOurs(message.requestId)) return;
      throw unknownRequest(message.kind, message.requestId);
    }
    if (message.kind === "fetch_error") fetch.refused(message.errorCode, message.reason);
  }

  // ---- what the peer publishes to us -------------------------------------------------------------

  /** The peer's PUBLISH: its track is received into a track of ours, handed to the handler. */
  onPublish(message: Publish): void {
    const context = this.#context;
    const { requestId } = message;
    const publish = this.#hooks.publish;
    if (publish === undefined) {
      context.send({
        kind: "publish_error",
        requestId,
        errorCode: PublishErrorCode.NOT_SUPPORTED,
        reason: "PUBLISH is not accepted here",
      });
      context.incoming.finish();
      return;
    }
    if (this.#aliases.has(message.trackAlias)) {
      context.fail(SessionErrorCode.DUPLICATE_TRACK_ALIAS, `track alias ${message.trackAlias} is in use`);
      return;
    }
    const description = describeTrack(message.namespace, message.trackName);
    // Kept while pushed, whatever its time to live: a catalog pushed once must reach later viewers.
    const [publisher, subscriber] = createTrack(description, {
      ...this.#context.receive.trackOptions,
      keepLatest: true,
    });
    const subscription = new ReceivedSubscription({
      requestId,
      track: publisher,
      description,
      limits: context.limits,
      policy: context.receive,
      onFinished: () => {
        this.#forget(requestId);
        context.incoming.finish();
      },
    });
    subscription.accepted(
      { trackAlias: message.trackAlias, groupOrder: message.groupOrder, largest: message.largest },
      message.parameters,
    );
    this.#subscriptions.set(requestId, subscription);
    this.#aliases.set(message.trackAlias, subscription);
    // The hook first: it may refuse (a relay's ownership or authorization) with a real PUBLISH_ERROR.
    try {
      publish(message.namespace, message.trackName, subscriber);
    } catch (error) {
      refuse(context, "publish_error", requestId, error, PublishErrorCode.INTERNAL_ERROR);
      // Forgets the request (its alias, its request ID credit) and ends the track.
      subscription.abandon(null);
      subscriber.close();
      return;
    }
    context.send({
      kind: "publish_ok",
      requestId,
      forward: true,
      subscriberPriority: 128,
      groupOrder: message.groupOrder,
      filter: { type: "largest_object" },
      parameters: [],
    });
    void publisher.ended().then(() => {
      if (!subscription.isFinished) {
        context.send({ kind: "unsubscribe", requestId });
        subscription.abandon(null);
      }
    });
  }

  async onPublishNamespace(requestId: number, namespace: Namespace): Promise<void> {
    const context = this.#context;
    try {
      await this.#hooks.publishNamespace?.(namespace);
      if (context.isClosed) return;
      this.#peerNamespaces.set(namespaceKey(namespace), namespace);
      context.send({ kind: "publish_namespace_ok", requestId });
      for (const watcher of this.#watchers.values())
        if (isPrefix(watcher.prefix, namespace)) watcher.push({ namespace, active: true });
    } catch (error) {
      refuse(context, "publish_namespace_error", requestId, error, PublishNamespaceErrorCode.INTERNAL_ERROR);
    } finally {
      context.incoming.finish();
    }
  }

  onPublishNamespaceDone(namespace: Namespace): void {
    if (!this.#peerNamespaces.delete(namespaceKey(namespace))) return;
    this.#hooks.publishNamespaceDone?.(namespace);
    for (const watcher of this.#watchers.values())
      if (isPrefix(watcher.prefix, namespace)) watcher.push({ namespace, active: false });
  }

  /** Where the peer's data streams and datagrams go. */
  dataRoutes(violation: (error: unknown) => void, budget?: DataRoutes["budget"]): DataRoutes {
    const context = this.#context;
    return {
      limits: context.limits,
      budget,
      get isClosed() {
        return context.isClosed;
      },
      aliases: this.#aliases,
      fetch: (requestId) => this.#fetches.get(requestId),
      violation,
      fail: (code, reason) => context.fail(code, reason),
    };
  }

  /** The session ended: every subscription and fetch ends with it. */
  close(error: SessionError): void {
    const trackError = CacheError.reset(StreamResetCode.SESSION_CLOSED, `session closed: ${error.message}`);
    for (const subscription of [...this.#subscriptions.values()]) subscription.abandon(trackError, error);
    for (const fetch of [...this.#fetches.values()]) fetch.abandon(trackError);
    this.#aliases.clear();
    for (const watcher of this.#watchers.values()) watcher.end(error);
    for (const namespace of this.#peerNamespaces.values()) this.#hooks.publishNamespaceDone?.(namespace);
    this.#peerNamespaces.clear();
  }

  /**
   * A new SUBSCRIBE for the track under `key` is about to leave: an earlier subscription to it whose
   * track nobody reads any more (closed in the same tick) would send its UNSUBSCRIBE only once it
   * notices, after the new SUBSCRIBE; a publisher sees two subscriptions to one track (draft-14 9.7
   * forbids it). Send that UNSUBSCRIBE now. A subscription still read is left alone: a second one
   * while it lives is the caller's doing, and the publisher refuses it.
   */
  #unsubscribeEnded(key: string): void {
    const same = this.#byTrack.get(key);
    if (same === undefined) return;
    for (const earlier of [...same]) {
      if (earlier.isFinished || !earlier.track.isEnded) continue;
      this.#context.send({ kind: "unsubscribe", requestId: earlier.requestId });
      earlier.abandon(null);
    }
  }

  #forget(requestId: number): void {
    const subscription = this.#subscriptions.get(requestId);
    if (subscription === undefined) return;
    this.#subscriptions.delete(requestId);
    const alias = subscription.info?.trackAlias;
    if (alias !== undefined) this.#aliases.delete(alias, subscription);
  }

  #startFetch(description: string, build: (requestId: number) => Fetch): TrackSubscriber {
    const context = this.#context;
    const [publisher, subscriber] = createTrack(description, this.#context.receive.trackOptions);
    void (async () => {
      try {
        const requestId = await context.allocate();
        const fetch = new ReceivedFetch({
          requestId,
          track: publisher,
          limits: context.limits,
          policy: context.receive,
          onFinished: () => this.#fetches.delete(requestId),
        });
        this.#fetches.set(requestId, fetch);
        context.send(build(requestId));
        void publisher.ended().then(() => {
          if (this.#fetches.get(requestId) === fetch && !context.isClosed) {
            context.send({ kind: "fetch_cancel", requestId });
            fetch.abandon(null);
          }
        });
      } catch (error) {
        publisher.close(toCacheError(error));
      }
    })();
    return subscriber;
  }
}
