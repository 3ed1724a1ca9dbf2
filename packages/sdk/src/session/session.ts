// A MoQ Transport session (draft-14) over any WebTransport-like object, in either role. It owns the
// control stream, request IDs, the tracks it serves (publisher side) and the tracks it receives
// (subscriber side). Media knowledge lives elsewhere: groups are segments, objects are chunks.
import { CacheError, createTrack, TrackSubscriber } from "../cache/index.ts";
import {
  type ControlMessage,
  DEFAULT_LIMITS,
  DRAFT_14,
  decodeObjectDatagram,
  type Fetch,
  FetchErrorCode,
  intParameter,
  isPrefix,
  type Location,
  MessageParameter,
  type Namespace,
  namespaceKey,
  type Parameter,
  ProtocolViolation,
  type Publish,
  PublishDoneCode,
  PublishErrorCode,
  PublishNamespaceErrorCode,
  readDataStreamHeader,
  SessionErrorCode,
  StreamEndedEarly,
  StreamReader,
  type Subscribe,
  SubscribeErrorCode,
  SubscribeNamespaceErrorCode,
  type TrackName,
  type TrackStatus,
  type WireLimits,
} from "../wire/index.ts";
import { Broadcast, type TrackOptions } from "./broadcast.ts";
import type { ControlStream } from "./control.ts";
import { RequestError, SessionArgumentError, SessionError } from "./errors.ts";
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
import type { SessionHandler, SessionOptions, SubscribeOptions, TrackStatusInfo } from "./options.ts";
import { ReceivedFetch, ReceivedSubscription, type SubscriptionInfo } from "./receive.ts";
import type { IncomingRequestIds, OutgoingRequestIds } from "./request-ids.ts";
import { ServedSubscription } from "./serve.ts";
import { type FetchRange, FetchSender, planFetch } from "./serve-fetch.ts";
import { largestLocation, type ServedTrack } from "./served-track.ts";
import type { MoqTransport, TransportSendStream } from "./transport.ts";

const ALIAS_WAIT_MS = 2_000;
/** How long a closing peer's close may take to arrive after its streams end. */
export const CLOSE_GRACE_MS = 250;

type Pending = { resolve: (message: ControlMessage) => void; reject: (error: Error) => void };

export class Session {
  readonly role: "client" | "server";
  readonly version = DRAFT_14;
  /** What the peer said in its SETUP. */
  readonly peerParameters: readonly Parameter[];
  /** Resolves once the session has ended, with why (code 0 = closed cleanly). */
  readonly closed: Promise<SessionError>;
  readonly #transport: MoqTransport;
  readonly #control: ControlStream;
  readonly #limits: WireLimits;
  readonly #handler: SessionHandler;
  readonly #cacheDurationMs: number;
  readonly #log: (line: string) => void;
  readonly #outgoing: OutgoingRequestIds;
  readonly #incoming: IncomingRequestIds;
  // Our requests.
  readonly #subscriptions = new Map<number, ReceivedSubscription>();
  readonly #byAlias = new Map<number, ReceivedSubscription>();
  readonly #aliasWaiters = new Map<number, (() => void)[]>();
  readonly #fetches = new Map<number, ReceivedFetch>();
  readonly #pending = new Map<number, Pending>();
  readonly #broadcasts = new Map<string, { broadcast: Broadcast; requestId: number | undefined }>();
  readonly #watchers = new Map<number, NamespaceWatcher>();
  readonly #subscriptionOf = new WeakMap<TrackSubscriber, ReceivedSubscription>();
  readonly #replyOf = new WeakMap<TrackSubscriber, Promise<SubscriptionInfo>>();
  // The peer's requests.
  readonly #served = new Map<number, ServedSubscription>();
  /** Tracks we push with PUBLISH, by our request ID. */
  readonly #pushed = new Map<number, ServedSubscription>();
  readonly #servedTracks = new Set<string>();
  readonly #servedFetches = new Map<number, FetchSender>();
  readonly #peerNamespaces = new Map<string, Namespace>();
  readonly #peerPrefixes = new Map<number, Namespace>();
  #goAway: string | undefined;
  readonly #goneAway: Promise<string>;
  #resolveGoneAway!: (uri: string) => void;
  #closedWith: SessionError | undefined;
  #resolveClosed!: (error: SessionError) => void;

  /** @internal use connect() / accept() */
  constructor(init: {
    role: "client" | "server";
    transport: MoqTransport;
    control: ControlStream;
    options: SessionOptions;
    peerParameters: readonly Parameter[];
    incoming: IncomingRequestIds;
    outgoing: OutgoingRequestIds;
  }) {
    this.role = init.role;
    this.#transport = init.transport;
    this.#control = init.control;
    this.peerParameters = init.peerParameters;
    this.#incoming = init.incoming;
    this.#outgoing = init.outgoing;
    const options = init.options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#handler = options.handler ?? {};
    this.#cacheDurationMs = options.cacheDurationMs ?? 10_000;
    this.#log = options.log ?? (() => {});
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#goneAway = new Promise((resolve) => {
      this.#resolveGoneAway = resolve;
    });
    this.#control.onFailure((error) =>
      this.#fail(SessionErrorCode.INTERNAL_ERROR, `control stream failed: ${describe(error)}`),
    );
    void this.#transport.closed.then(
      (info) => this.#ended(closeInfoError(info)),
      (error: unknown) =>
        this.#ended(
          new SessionError(SessionErrorCode.INTERNAL_ERROR, `transport failed: ${describe(error)}`, {
            remote: true,
            cause: error,
          }),
        ),
    );
    void this.#readControl();
    void this.#acceptDataStreams();
    void this.#receiveDatagrams();
    void this.#refuseBidirectionalStreams();
  }

  get isClosed(): boolean {
    return this.#closedWith !== undefined;
  }

  /** The URI from the peer's GOAWAY ("" = reconnect to the same one), or undefined if none came. */
  get goAwayUri(): string | undefined {
    return this.#goAway;
  }

  /** Resolves with the URI when the peer sends GOAWAY ("" = reconnect to the same one). */
  get goneAway(): Promise<string> {
    return this.#goneAway;
  }

  /** Namespaces the peer currently publishes to us. */
  get peerNamespaces(): Namespace[] {
    return [...this.#peerNamespaces.values()];
  }

  // ---- publishing --------------------------------------------------------------------------------

  /** Publishes a namespace (PUBLISH_NAMESPACE); add tracks to the returned broadcast. */
  publish(namespace: NamespaceInput): Broadcast {
    this.#checkCanRequest();
    const ns = toNamespace(namespace);
    const key = namespaceKey(ns);
    if (this.#broadcasts.has(key))
      throw new SessionArgumentError(`namespace ${key} is already published on this session`);
    const entry: { broadcast: Broadcast; requestId: number | undefined } = {
      broadcast: undefined as never,
      requestId: undefined,
    };
    const ready = (async () => {
      const requestId = await this.#outgoing.allocate();
      this.#checkOpen();
      entry.requestId = requestId;
      if (entry.broadcast.isClosed) return;
      await this.#request(requestId, {
        kind: "publish_namespace",
        requestId,
        namespace: ns,
        parameters: [],
      });
    })();
    entry.broadcast = new Broadcast(ns, ready, (broadcast) => {
      if (this.#broadcasts.get(key)?.broadcast !== broadcast) return;
      this.#broadcasts.delete(key);
      if (entry.requestId !== undefined && !this.isClosed)
        this.#send({ kind: "publish_namespace_done", namespace: ns });
    });
    this.#broadcasts.set(key, entry);
    return entry.broadcast;
  }

  /**
   * PUBLISH: pushes a track to the peer (typically a relay) without waiting for a SUBSCRIBE; groups
   * flow at once. Resolves on PUBLISH_OK, rejects with a RequestError on PUBLISH_ERROR. The session
   * reads clones of `track` and never closes it.
   */
  async publishTrack(
    namespace: NamespaceInput,
    name: TrackNameInput,
    track: TrackSubscriber,
    options: TrackOptions = {},
  ): Promise<void> {
    this.#checkCanRequest();
    const ns = toNamespace(namespace);
    const trackName = toTrackName(name);
    const groupOrder = options.groupOrder ?? 2;
    if (groupOrder !== 1 && groupOrder !== 2)
      throw new SessionArgumentError(`groupOrder must be 1 or 2, got ${String(groupOrder)}`);
    if (!(track instanceof TrackSubscriber)) throw new SessionArgumentError("publishTrack needs a TrackSubscriber");
    const requestId = await this.#outgoing.allocate();
    this.#checkOpen();
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
        openStream: (order) => this.#openStream(order),
        sendControl: (message) => this.#send(message),
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
    this.#send({
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

  // ---- subscribing -------------------------------------------------------------------------------

  /**
   * Subscribes to a track. The returned reader gets its groups as segments, most important first.
   * If the publisher refuses, the track ends with a CacheError ("not-found" if it does not exist).
   * Close the reader (and its clones) to unsubscribe.
   */
  subscribe(namespace: NamespaceInput, track: TrackNameInput, options: SubscribeOptions = {}): TrackSubscriber {
    this.#checkCanRequest();
    const ns = toNamespace(namespace);
    const name = toTrackName(track);
    const priority = checkPriority(options.priority ?? 128);
    const groupOrder = options.groupOrder ?? 0;
    if (groupOrder !== 0 && groupOrder !== 1 && groupOrder !== 2) {
      throw new SessionArgumentError(`groupOrder must be 0, 1 or 2, got ${String(groupOrder)}`);
    }
    const filter = options.filter ?? { type: "largest_object" };
    const { deliveryTimeoutMs } = options;
    if (deliveryTimeoutMs !== undefined && !(Number.isSafeInteger(deliveryTimeoutMs) && deliveryTimeoutMs > 0)) {
      throw new SessionArgumentError(`deliveryTimeoutMs must be a positive integer, got ${String(deliveryTimeoutMs)}`);
    }
    const parameters: Parameter[] =
      deliveryTimeoutMs === undefined ? [] : [{ type: MessageParameter.DELIVERY_TIMEOUT, value: deliveryTimeoutMs }];
    const [publisher, subscriber] = createTrack(describeTrack(ns, name));
    let settle!: { resolve: (info: SubscriptionInfo) => void; reject: (error: Error) => void };
    const reply = new Promise<SubscriptionInfo>((resolve, reject) => {
      settle = { resolve, reject };
    });
    reply.catch(() => {});
    this.#replyOf.set(subscriber, reply);
    void (async () => {
      try {
        const requestId = await this.#outgoing.allocate();
        this.#checkOpen();
        if (publisher.isEnded) return;
        const subscription = new ReceivedSubscription({
          requestId,
          track: publisher,
          description: describeTrack(ns, name),
          limits: this.#limits,
          cacheDurationMs: this.#cacheDurationMs,
          onFinished: () => this.#forgetSubscription(requestId),
          settle,
          filter,
          priority,
        });
        this.#subscriptions.set(requestId, subscription);
        this.#subscriptionOf.set(subscriber, subscription);
        this.#send({
          kind: "subscribe",
          requestId,
          namespace: ns,
          trackName: name,
          subscriberPriority: priority,
          groupOrder,
          forward: true,
          filter,
          parameters,
        });
        // Nobody reads any more: UNSUBSCRIBE.
        void publisher.ended().then(() => {
          if (!subscription.isFinished && !this.isClosed) {
            this.#send({ kind: "unsubscribe", requestId });
            subscription.abandon(null);
          }
        });
      } catch (error) {
        settle.reject(error instanceof Error ? error : new Error(String(error)));
        publisher.close(toCacheError(error));
      }
    })();
    return subscriber;
  }

  /**
   * What the publisher answered to the subscription behind `track` (a reader returned by subscribe()):
   * resolves on SUBSCRIBE_OK, rejects with a RequestError on SUBSCRIBE_ERROR (or a SessionError).
   */
  subscribed(track: TrackSubscriber): Promise<SubscriptionInfo> {
    const reply = this.#replyOf.get(track);
    if (reply === undefined)
      throw new SessionArgumentError("subscribed() needs a track returned by subscribe() on this session");
    return reply;
  }

  /**
   * Fetches past groups (FETCH, standalone): `end` is exclusive in objects, and `end.object = 0`
   * asks for all of `end.group`. The returned reader ends after the last group.
   */
  fetch(
    namespace: NamespaceInput,
    track: TrackNameInput,
    range: FetchRange,
    options: { priority?: number; groupOrder?: 0 | 1 | 2 } = {},
  ): TrackSubscriber {
    this.#checkCanRequest();
    const ns = toNamespace(namespace);
    const name = toTrackName(track);
    checkLocation(range.start, "start");
    checkLocation(range.end, "end");
    const priority = checkPriority(options.priority ?? 128);
    return this.#startFetch(describeTrack(ns, name), (requestId) => ({
      kind: "fetch",
      requestId,
      subscriberPriority: priority,
      groupOrder: options.groupOrder ?? 0,
      fetch: { type: "standalone", namespace: ns, trackName: name, start: range.start, end: range.end },
      parameters: [],
    }));
  }

  /**
   * SUBSCRIBE_UPDATE for a subscription made with subscribe(): a new subscriber priority, or
   * pausing (forward: false) and resuming delivery. The range is left as it is.
   */
  updateSubscription(subscribed: TrackSubscriber, update: { priority?: number; forward?: boolean }): void {
    this.#checkCanRequest();
    const subscription = this.#subscriptionOf.get(subscribed);
    if (subscription === undefined) {
      throw new SessionArgumentError("updateSubscription needs a track returned by subscribe() on this session");
    }
    const priority = checkPriority(update.priority ?? subscription.priority);
    const forward = update.forward ?? subscription.forward;
    if (typeof forward !== "boolean") throw new SessionArgumentError("forward must be a boolean");
    subscription.priority = priority;
    subscription.forward = forward;
    const start = subscription.start;
    void this.#outgoing.allocate().then((requestId) => {
      if (subscription.isFinished || this.isClosed) return;
      this.#send({
        kind: "subscribe_update",
        requestId,
        subscriptionRequestId: subscription.requestId,
        start,
        endGroup: subscription.endGroup === undefined ? 0 : subscription.endGroup + 1,
        subscriberPriority: priority,
        forward,
        parameters: [],
      });
    });
  }

  /**
   * A joining FETCH for a subscription made with subscribe(): the `groups` groups before its largest
   * group, plus the largest group up to the live edge.
   */
  fetchJoining(subscribed: TrackSubscriber, groups: number, options: { priority?: number } = {}): TrackSubscriber {
    this.#checkCanRequest();
    const subscription = this.#subscriptionOf.get(subscribed);
    if (subscription === undefined)
      throw new SessionArgumentError("fetchJoining needs a track returned by subscribe() on this session");
    if (!Number.isSafeInteger(groups) || groups < 0)
      throw new SessionArgumentError(`groups must be a non-negative integer, got ${groups}`);
    const priority = checkPriority(options.priority ?? 128);
    return this.#startFetch(`${subscription.description} (joining)`, (requestId) => ({
      kind: "fetch",
      requestId,
      subscriberPriority: priority,
      groupOrder: 0,
      fetch: { type: "relative_joining", joiningRequestId: subscription.requestId, joiningStart: groups },
      parameters: [],
    }));
  }

  /** TRACK_STATUS: the track's largest location, without subscribing. */
  async trackStatus(namespace: NamespaceInput, track: TrackNameInput): Promise<TrackStatusInfo> {
    this.#checkCanRequest();
    const ns = toNamespace(namespace);
    const name = toTrackName(track);
    const requestId = await this.#outgoing.allocate();
    const reply = await this.#request(requestId, {
      kind: "track_status",
      requestId,
      namespace: ns,
      trackName: name,
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

  /** SUBSCRIBE_NAMESPACE: the namespaces the peer publishes under `prefix` ([] = all), now and later. */
  subscribeNamespace(prefix: NamespaceInput): NamespaceWatcher {
    this.#checkCanRequest();
    const ns = toNamespacePrefix(prefix);
    let requestId: number | undefined;
    let watcher: NamespaceWatcher | undefined;
    const ready = (async () => {
      requestId = await this.#outgoing.allocate();
      this.#checkOpen();
      this.#watchers.set(requestId, watcher as NamespaceWatcher);
      try {
        await this.#request(requestId, {
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
      if (requestId === undefined || !this.#watchers.delete(requestId) || this.isClosed) return;
      this.#send({ kind: "unsubscribe_namespace", namespacePrefix: ns });
    });
    return watcher;
  }

  // ---- session -----------------------------------------------------------------------------------

  /** GOAWAY: asks the peer to move to `uri` ("" = reconnect here) and stop making requests. */
  goAway(uri = ""): void {
    this.#checkOpen();
    if (this.role === "client" && uri !== "")
      throw new SessionArgumentError("only a server can name a new session URI");
    this.#send({ kind: "goaway", newSessionUri: uri });
  }

  /** Closes the session (CLOSE_WEBTRANSPORT_SESSION with a MoQT termination code). */
  close(code: number = SessionErrorCode.NO_ERROR, reason = ""): void {
    if (this.#closedWith !== undefined) return;
    try {
      this.#transport.close({ closeCode: code, reason });
    } catch {
      // Already closing.
    }
    this.#ended(new SessionError(code, reason === "" ? `closed with code ${code}` : reason));
  }

  // ---- control messages --------------------------------------------------------------------------

  async #readControl(): Promise<void> {
    try {
      for (;;) {
        const message = await this.#control.next();
        if (this.isClosed) return;
        if (message === undefined) {
          // A closing session may end its streams before its close arrives: give the close a moment.
          await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS))]);
          if (this.isClosed) return;
          throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, "the control stream was closed");
        }
        this.#handle(message);
      }
    } catch (error) {
      this.#violation(error);
    }
  }

  #handle(message: ControlMessage): void {
    switch (message.kind) {
      case "client_setup":
      case "server_setup":
        throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, `a second ${message.kind.toUpperCase()}`);
      case "goaway":
        if (this.#goAway !== undefined)
          throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, "a second GOAWAY");
        if (this.role === "server" && message.newSessionUri !== "") {
          throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, "a client's GOAWAY named a URI");
        }
        this.#goAway = message.newSessionUri;
        this.#resolveGoneAway(message.newSessionUri);
        return;
      case "max_request_id":
        this.#outgoing.grant(message.requestId);
        return;
      case "requests_blocked":
        return;
      case "subscribe":
        this.#incoming.accept(message.requestId);
        void this.#onSubscribe(message);
        return;
      case "track_status":
        this.#incoming.accept(message.requestId);
        void this.#onTrackStatus(message);
        return;
      case "subscribe_update": {
        this.#incoming.accept(message.requestId);
        this.#incoming.finish();
        const served = this.#served.get(message.subscriptionRequestId);
        if (served !== undefined) served.update(message);
        else if (!this.#incoming.used(message.subscriptionRequestId)) {
          throw new ProtocolViolation(
            SessionErrorCode.PROTOCOL_VIOLATION,
            `SUBSCRIBE_UPDATE for unknown request ${message.subscriptionRequestId}`,
          );
        }
        return;
      }
      case "unsubscribe":
        (this.#served.get(message.requestId) ?? this.#pushed.get(message.requestId))?.stop(
          PublishDoneCode.SUBSCRIPTION_ENDED,
          "unsubscribed",
        );
        return;
      case "fetch":
        this.#incoming.accept(message.requestId);
        void this.#onFetch(message);
        return;
      case "fetch_cancel":
        this.#servedFetches.get(message.requestId)?.cancel();
        return;
      case "publish":
        this.#incoming.accept(message.requestId);
        this.#onPublish(message);
        return;
      case "publish_namespace":
        this.#incoming.accept(message.requestId);
        void this.#onPublishNamespace(message.requestId, message.namespace);
        return;
      case "publish_namespace_done":
        this.#onPublishNamespaceDone(message.namespace);
        return;
      case "publish_namespace_cancel": {
        // The peer no longer routes subscriptions to us for this namespace.
        const entry = this.#broadcasts.get(namespaceKey(message.namespace));
        if (entry !== undefined) this.#broadcasts.delete(namespaceKey(message.namespace));
        return;
      }
      case "subscribe_namespace":
        this.#incoming.accept(message.requestId);
        void this.#onSubscribeNamespace(message.requestId, message.namespacePrefix);
        return;
      case "unsubscribe_namespace":
        for (const [requestId, prefix] of this.#peerPrefixes) {
          if (namespaceKey(prefix) === namespaceKey(message.namespacePrefix)) {
            this.#peerPrefixes.delete(requestId);
            this.#incoming.finish();
            this.#handler.unsubscribeNamespace?.(this, prefix);
          }
        }
        return;
      // Replies to our requests.
      case "subscribe_ok":
        this.#onSubscribeOk(
          message.requestId,
          message.trackAlias,
          message.groupOrder,
          message.largest,
          message.parameters,
        );
        return;
      case "subscribe_error": {
        const subscription = this.#subscriptions.get(message.requestId);
        if (subscription === undefined) throw this.#unknownRequest(message);
        this.#log(`SUBSCRIBE ${subscription.description} refused: ${message.errorCode} ${message.reason}`);
        subscription.refused(message.errorCode, message.reason);
        return;
      }
      case "publish_done": {
        const subscription = this.#subscriptions.get(message.requestId);
        // After UNSUBSCRIBE the subscription is gone already: a late PUBLISH_DONE is fine.
        subscription?.done(message.statusCode, message.streamCount, message.reason);
        return;
      }
      case "fetch_ok":
        if (!this.#fetches.has(message.requestId)) throw this.#unknownRequest(message);
        return;
      case "fetch_error": {
        const fetch = this.#fetches.get(message.requestId);
        if (fetch === undefined) throw this.#unknownRequest(message);
        fetch.refused(message.errorCode, message.reason);
        return;
      }
      case "publish_ok": {
        const pushed = this.#pushed.get(message.requestId);
        if (pushed === undefined) throw this.#unknownRequest(message);
        pushed.accepted(message);
        return;
      }
      case "publish_error": {
        const pushed = this.#pushed.get(message.requestId);
        if (pushed === undefined) throw this.#unknownRequest(message);
        this.#log(`PUBLISH refused: ${message.errorCode} ${message.reason}`);
        pushed.refused(new RequestError(message.errorCode, message.reason));
        return;
      }
      case "track_status_ok":
      case "publish_namespace_ok":
      case "subscribe_namespace_ok":
        this.#settle(message.requestId, message, undefined);
        return;
      case "track_status_error":
      case "publish_namespace_error":
      case "subscribe_namespace_error":
        this.#settle(message.requestId, undefined, new RequestError(message.errorCode, message.reason));
        return;
    }
  }

  #settle(requestId: number, message: ControlMessage | undefined, error: Error | undefined): void {
    const pending = this.#pending.get(requestId);
    if (pending === undefined) throw this.#unknownRequest({ kind: "reply", requestId });
    this.#pending.delete(requestId);
    if (error !== undefined) pending.reject(error);
    else pending.resolve(message as ControlMessage);
  }

  #unknownRequest(message: { kind: string; requestId: number }): ProtocolViolation {
    return new ProtocolViolation(
      SessionErrorCode.PROTOCOL_VIOLATION,
      `${message.kind.toUpperCase()} for unknown request ${message.requestId}`,
    );
  }

  /** Sends a request and waits for its OK (resolved) or ERROR (rejected with a RequestError). */
  #request(requestId: number, message: ControlMessage): Promise<ControlMessage> {
    return new Promise((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
      this.#send(message);
    });
  }

  #send(message: ControlMessage): void {
    if (this.isClosed) return;
    this.#control.send(message);
  }

  // ---- serving the peer's requests ---------------------------------------------------------------

  /** The track to serve: one of our broadcasts, else the handler (the relay). Throws RequestError. */
  async #resolve(namespace: Namespace, name: TrackName): Promise<ServedTrack> {
    const local = this.#broadcasts.get(namespaceKey(namespace))?.broadcast.track(name);
    if (local !== undefined) return local;
    if (this.#handler.resolveTrack !== undefined) return this.#handler.resolveTrack(this, namespace, name);
    throw new RequestError(SubscribeErrorCode.TRACK_DOES_NOT_EXIST, "not found");
  }

  async #onSubscribe(message: Subscribe): Promise<void> {
    const { requestId } = message;
    const key = fullTrackKey(message.namespace, message.trackName);
    if (this.#servedTracks.has(key)) {
      // Two subscriptions to one track in one session: the draft says SHOULD be a protocol violation.
      this.#fail(
        SessionErrorCode.PROTOCOL_VIOLATION,
        `a second SUBSCRIBE for ${describeTrack(message.namespace, message.trackName)}`,
      );
      return;
    }
    this.#servedTracks.add(key);
    let served: ServedTrack;
    try {
      served = await this.#resolve(message.namespace, message.trackName);
    } catch (error) {
      this.#servedTracks.delete(key);
      this.#refuse("subscribe_error", requestId, error, SubscribeErrorCode.INTERNAL_ERROR);
      this.#incoming.finish();
      return;
    }
    if (this.isClosed) {
      served.release?.();
      return;
    }
    const largest = largestLocation(served.track);
    if (message.filter.type === "absolute_range" && message.filter.endGroup < message.filter.start.group) {
      served.release?.();
      this.#servedTracks.delete(key);
      this.#refuse(
        "subscribe_error",
        requestId,
        new RequestError(SubscribeErrorCode.INVALID_RANGE, "end group before start"),
        0,
      );
      this.#incoming.finish();
      return;
    }
    // The SUBSCRIBE's own request ID is unique among this session's subscriptions, so it is the
    // alias: the convention @moq/lite relies on to accept data that overtakes SUBSCRIBE_OK.
    const trackAlias = requestId;
    const subscription = new ServedSubscription(
      {
        openStream: (order) => this.#openStream(order),
        sendControl: (reply) => this.#send(reply),
        finished: (id) => {
          if (this.#served.get(id) === subscription) {
            this.#served.delete(id);
            this.#servedTracks.delete(key);
            this.#incoming.finish();
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
    this.#send({
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

  async #onTrackStatus(message: TrackStatus): Promise<void> {
    const { requestId } = message;
    try {
      const served = await this.#resolve(message.namespace, message.trackName);
      const largest = largestLocation(served.track);
      served.release?.();
      this.#send({
        kind: "track_status_ok",
        requestId,
        trackAlias: 0,
        expires: 0,
        groupOrder: served.groupOrder ?? 2,
        largest,
        parameters: [],
      });
    } catch (error) {
      this.#refuse("track_status_error", requestId, error, SubscribeErrorCode.INTERNAL_ERROR);
    } finally {
      this.#incoming.finish();
    }
  }

  async #onFetch(message: Fetch): Promise<void> {
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
      this.#send({
        kind: "fetch_ok",
        requestId,
        groupOrder: plan.groupOrder,
        endOfTrack: false,
        end: plan.end,
        parameters: [],
      });
      await sender.run((order) => this.#openStream(order), message.subscriberPriority);
    } catch (error) {
      this.#refuse("fetch_error", requestId, error, FetchErrorCode.INTERNAL_ERROR);
    } finally {
      this.#servedFetches.delete(requestId);
      this.#incoming.finish();
    }
  }

  #onPublish(message: Publish): void {
    const { requestId } = message;
    if (this.#handler.publish === undefined) {
      this.#send({
        kind: "publish_error",
        requestId,
        errorCode: PublishErrorCode.NOT_SUPPORTED,
        reason: "PUBLISH is not accepted here",
      });
      this.#incoming.finish();
      return;
    }
    if (this.#byAlias.has(message.trackAlias)) {
      this.#fail(SessionErrorCode.DUPLICATE_TRACK_ALIAS, `track alias ${message.trackAlias} is in use`);
      return;
    }
    const [publisher, subscriber] = createTrack(describeTrack(message.namespace, message.trackName));
    const subscription = new ReceivedSubscription({
      requestId,
      track: publisher,
      description: describeTrack(message.namespace, message.trackName),
      limits: this.#limits,
      cacheDurationMs: this.#cacheDurationMs,
      onFinished: () => {
        this.#forgetSubscription(requestId);
        this.#incoming.finish();
      },
    });
    subscription.accepted(
      { trackAlias: message.trackAlias, groupOrder: message.groupOrder, largest: message.largest },
      message.parameters,
    );
    this.#subscriptions.set(requestId, subscription);
    this.#registerAlias(message.trackAlias, subscription);
    this.#send({
      kind: "publish_ok",
      requestId,
      forward: true,
      subscriberPriority: 128,
      groupOrder: message.groupOrder,
      filter: { type: "largest_object" },
      parameters: [],
    });
    void publisher.ended().then(() => {
      if (!subscription.isFinished && !this.isClosed) {
        this.#send({ kind: "unsubscribe", requestId });
        subscription.abandon(null);
      }
    });
    this.#handler.publish(this, message.namespace, message.trackName, subscriber);
  }

  async #onPublishNamespace(requestId: number, namespace: Namespace): Promise<void> {
    try {
      await this.#handler.publishNamespace?.(this, namespace);
      if (this.isClosed) return;
      this.#peerNamespaces.set(namespaceKey(namespace), namespace);
      this.#send({ kind: "publish_namespace_ok", requestId });
      for (const watcher of this.#watchers.values())
        if (isPrefix(watcher.prefix, namespace)) watcher.push({ namespace, active: true });
    } catch (error) {
      this.#refuse("publish_namespace_error", requestId, error, PublishNamespaceErrorCode.INTERNAL_ERROR);
    } finally {
      this.#incoming.finish();
    }
  }

  #onPublishNamespaceDone(namespace: Namespace): void {
    const key = namespaceKey(namespace);
    if (!this.#peerNamespaces.delete(key)) return;
    this.#handler.publishNamespaceDone?.(this, namespace);
    for (const watcher of this.#watchers.values())
      if (isPrefix(watcher.prefix, namespace)) watcher.push({ namespace, active: false });
  }

  async #onSubscribeNamespace(requestId: number, prefix: Namespace): Promise<void> {
    for (const active of this.#peerPrefixes.values()) {
      if (isPrefix(active, prefix) || isPrefix(prefix, active)) {
        this.#send({
          kind: "subscribe_namespace_error",
          requestId,
          errorCode: SubscribeNamespaceErrorCode.NAMESPACE_PREFIX_OVERLAP,
          reason: "overlaps an active prefix",
        });
        this.#incoming.finish();
        return;
      }
    }
    if (this.#handler.subscribeNamespace === undefined) {
      this.#send({
        kind: "subscribe_namespace_error",
        requestId,
        errorCode: SubscribeNamespaceErrorCode.NOT_SUPPORTED,
        reason: "not supported",
      });
      this.#incoming.finish();
      return;
    }
    this.#peerPrefixes.set(requestId, prefix);
    try {
      this.#send({ kind: "subscribe_namespace_ok", requestId });
      await this.#handler.subscribeNamespace(this, prefix);
    } catch (error) {
      this.#peerPrefixes.delete(requestId);
      this.#incoming.finish();
      this.#log(`SUBSCRIBE_NAMESPACE handler failed: ${describe(error)}`);
    }
  }

  #refuse(
    kind: "subscribe_error" | "track_status_error" | "fetch_error" | "publish_namespace_error",
    requestId: number,
    error: unknown,
    internal: number,
  ): void {
    const refusal = error instanceof RequestError ? error : new RequestError(internal, "internal error");
    if (!(error instanceof RequestError)) this.#log(`${kind} ${requestId}: ${describe(error)}`);
    this.#send({ kind, requestId, errorCode: refusal.code, reason: refusal.reason });
  }

  // ---- our requests' replies and data -----------------------------------------------------------

  #onSubscribeOk(
    requestId: number,
    trackAlias: number,
    groupOrder: 1 | 2,
    largest: Location | undefined,
    parameters: Parameter[],
  ): void {
    const subscription = this.#subscriptions.get(requestId);
    if (subscription === undefined || subscription.info !== undefined) {
      throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, `SUBSCRIBE_OK for unknown request ${requestId}`);
    }
    if (this.#byAlias.has(trackAlias))
      throw new ProtocolViolation(SessionErrorCode.DUPLICATE_TRACK_ALIAS, `track alias ${trackAlias} is in use`);
    subscription.accepted({ trackAlias, groupOrder, largest }, parameters);
    this.#registerAlias(trackAlias, subscription);
  }

  #registerAlias(trackAlias: number, subscription: ReceivedSubscription): void {
    this.#byAlias.set(trackAlias, subscription);
    const waiters = this.#aliasWaiters.get(trackAlias);
    this.#aliasWaiters.delete(trackAlias);
    for (const wake of waiters ?? []) wake();
  }

  #forgetSubscription(requestId: number): void {
    const subscription = this.#subscriptions.get(requestId);
    if (subscription === undefined) return;
    this.#subscriptions.delete(requestId);
    const alias = subscription.info?.trackAlias;
    if (alias !== undefined && this.#byAlias.get(alias) === subscription) this.#byAlias.delete(alias);
  }

  #startFetch(description: string, build: (requestId: number) => Fetch): TrackSubscriber {
    const [publisher, subscriber] = createTrack(description);
    void (async () => {
      try {
        const requestId = await this.#outgoing.allocate();
        this.#checkOpen();
        const fetch = new ReceivedFetch({
          requestId,
          track: publisher,
          limits: this.#limits,
          cacheDurationMs: this.#cacheDurationMs,
          onFinished: () => this.#fetches.delete(requestId),
        });
        this.#fetches.set(requestId, fetch);
        this.#send(build(requestId));
        void publisher.ended().then(() => {
          if (this.#fetches.get(requestId) === fetch && !this.isClosed) {
            this.#send({ kind: "fetch_cancel", requestId });
            fetch.abandon(null);
          }
        });
      } catch (error) {
        publisher.close(toCacheError(error));
      }
    })();
    return subscriber;
  }

  async #acceptDataStreams(): Promise<void> {
    const reader = this.#transport.incomingUnidirectionalStreams.getReader();
    try {
      for (;;) {
        const { value: stream, done } = await reader.read();
        if (done || this.isClosed) return;
        void this.#receiveDataStream(stream).catch((error: unknown) => this.#violation(error));
      }
    } catch {
      // The transport closed; #ended handles it.
    } finally {
      reader.releaseLock();
    }
  }

  /** OBJECT_DATAGRAMs: decoded (a bad one is a protocol violation) and given to their subscription. */
  async #receiveDatagrams(): Promise<void> {
    const readable = this.#transport.datagrams?.readable;
    if (readable === undefined) return;
    const reader = readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.isClosed) return;
        const datagram = decodeObjectDatagram(value, this.#limits);
        // An unknown alias (not subscribed, or no longer): dropped, as the draft allows.
        this.#byAlias.get(datagram.trackAlias)?.receiveDatagram(datagram);
      }
    } catch (error) {
      if (error instanceof ProtocolViolation) this.#violation(error);
    } finally {
      reader.releaseLock();
    }
  }

  async #receiveDataStream(stream: ReadableStream<Uint8Array>): Promise<void> {
    const reader = new StreamReader(stream);
    let header: Awaited<ReturnType<typeof readDataStreamHeader>>;
    try {
      header = await readDataStreamHeader(reader, this.#limits);
    } catch (error) {
      // Reset, or ended (FIN) before its header, as a Deno peer's cut looks: nothing to account for.
      if (error instanceof ProtocolViolation && !(error instanceof StreamEndedEarly)) throw error;
      return;
    }
    if (header.kind === "fetch") {
      const fetch = this.#fetches.get(header.header.requestId);
      if (fetch === undefined) {
        await reader.cancel().catch(() => {});
        return;
      }
      await fetch.receive(reader);
      return;
    }
    const alias = header.header.trackAlias;
    let subscription = this.#byAlias.get(alias);
    if (subscription === undefined) {
      // Data can overtake the SUBSCRIBE_OK that names its alias: wait a little for it.
      await this.#waitForAlias(alias);
      subscription = this.#byAlias.get(alias);
    }
    if (subscription === undefined) {
      await reader.cancel().catch(() => {});
      return;
    }
    await subscription.receive(header.header, reader);
  }

  #waitForAlias(alias: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ALIAS_WAIT_MS);
      const waiters = this.#aliasWaiters.get(alias) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#aliasWaiters.set(alias, waiters);
    });
  }

  async #refuseBidirectionalStreams(): Promise<void> {
    const reader = this.#transport.incomingBidirectionalStreams.getReader();
    try {
      const { done } = await reader.read();
      if (!done && !this.isClosed) this.#fail(SessionErrorCode.PROTOCOL_VIOLATION, "a second bidirectional stream");
    } catch {
      // The transport closed.
    } finally {
      reader.releaseLock();
    }
  }

  #openStream(order: number): Promise<TransportSendStream> {
    this.#checkOpen();
    return this.#transport.createUnidirectionalStream({ sendOrder: order });
  }

  // ---- ending ------------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closedWith !== undefined) throw this.#closedWith;
  }

  /** New requests: not on a closed session, nor after the peer's GOAWAY (draft-14 9.3 says SHOULD NOT). */
  #checkCanRequest(): void {
    this.#checkOpen();
    if (this.#goAway !== undefined) {
      throw new SessionError(SessionErrorCode.NO_ERROR, "the peer sent GOAWAY: open a new session for new requests", {
        remote: true,
      });
    }
  }

  #violation(error: unknown): void {
    if (this.isClosed) return;
    if (error instanceof ProtocolViolation) {
      this.#log(`protocol violation: ${error.message}`);
      this.#fail(error.code, error.message);
    } else {
      this.#log(`session error: ${describe(error)}`);
      this.#fail(SessionErrorCode.INTERNAL_ERROR, "internal error");
    }
  }

  #fail(code: number, reason: string): void {
    this.close(code, reason.slice(0, 1024));
  }

  #ended(error: SessionError): void {
    if (this.#closedWith !== undefined) return;
    this.#closedWith = error;
    this.#outgoing.abort();
    const trackError = CacheError.reset(0x3, `session closed: ${error.message}`);
    for (const subscription of [...this.#subscriptions.values()]) subscription.abandon(trackError);
    for (const fetch of [...this.#fetches.values()]) fetch.abandon(trackError);
    for (const served of [...this.#served.values(), ...this.#pushed.values()]) served.abandon();
    for (const sender of this.#servedFetches.values()) sender.cancel();
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    for (const watcher of this.#watchers.values()) watcher.end(error);
    for (const { broadcast } of this.#broadcasts.values()) broadcast.close();
    for (const namespace of this.#peerNamespaces.values()) this.#handler.publishNamespaceDone?.(this, namespace);
    this.#peerNamespaces.clear();
    for (const prefix of this.#peerPrefixes.values()) this.#handler.unsubscribeNamespace?.(this, prefix);
    this.#peerPrefixes.clear();
    // The transport's close ends the control stream; a FIN of our own could overtake the close.
    this.#control.stopReading();
    this.#resolveClosed(error);
    this.#handler.closed?.(this, error);
  }
}

export function closeInfoError(info: unknown): SessionError {
  const { closeCode, reason } = (info ?? {}) as { closeCode?: number; reason?: string };
  const code = closeCode ?? 0;
  return new SessionError(
    code,
    reason !== undefined && reason !== "" ? reason : `closed by the peer with code ${code}`,
    { remote: true },
  );
}

function toCacheError(error: unknown): CacheError {
  if (error instanceof CacheError) return error;
  return CacheError.reset(0x3, describe(error));
}

/** A subscriber priority from the API: an integer in 0..255 (lower is more important). */
function checkPriority(priority: unknown): number {
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 255) {
    throw new SessionArgumentError(`priority must be an integer in 0..255, got ${String(priority)}`);
  }
  return priority;
}

function checkLocation(location: Location, what: string): void {
  if (
    typeof location !== "object" ||
    location === null ||
    !Number.isSafeInteger(location.group) ||
    !Number.isSafeInteger(location.object) ||
    location.group < 0 ||
    location.object < 0
  ) {
    throw new SessionArgumentError(`${what} must be { group, object } with non-negative integers`);
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
