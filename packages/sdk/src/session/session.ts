// A MoQ Transport session (draft-14) over any WebTransport-like object, in either role: its
// lifecycle, the control stream's dispatch, and the public API. What we publish and the peer's
// requests for it live in publisher.ts; our own requests and the data they bring in subscriber.ts.
import type { TrackOptions as CacheTrackOptions, TrackPublisher, TrackSubscriber } from "../cache/index.ts";
import {
  type ControlMessage,
  DEFAULT_LIMITS,
  DRAFT_14,
  type Namespace,
  type Parameter,
  ProtocolViolation,
  SessionErrorCode,
  type TrackName,
  type WireLimits,
} from "../wire/index.ts";
import type { Broadcast, TrackOptions } from "./broadcast.ts";
import { SessionContext } from "./context.ts";
import type { ControlStream } from "./control.ts";
import { closeInfoError, errorText, RequestError, SessionArgumentError, SessionError } from "./errors.ts";
import { receiveFromPeer } from "./incoming.ts";
import type { NamespaceInput, TrackNameInput } from "./names.ts";
import type { NamespaceWatcher } from "./namespace-watcher.ts";
import type { SubscribeIntoOptions, SubscribeOptions, TrackStatusInfo } from "./options.ts";
import { Publisher } from "./publisher.ts";
import { type ReceivePool, SessionReceiveBudget } from "./receive-budget.ts";
import type { IncomingRequestIds, OutgoingRequestIds } from "./request-ids.ts";
import type { SendRateLimit } from "./send-rate.ts";
import type { FetchRange } from "./serve-fetch.ts";
import type { ServedTrack } from "./served-track.ts";
import { Subscriber } from "./subscriber.ts";
import type { Subscription } from "./subscription.ts";
import type { MoqTransport } from "./transport.ts";

/** How long a closing peer's close may take to arrive after its streams end. */
export const CLOSE_GRACE_MS = 250;

/** SessionOptions.requestIdTimeoutMs by default. */
export const DEFAULT_REQUEST_ID_TIMEOUT_MS = 10_000;

/** SessionOptions.maxReceiveBufferBytes by default: 64 MiB of objects still arriving. */
export const DEFAULT_MAX_RECEIVE_BUFFER_BYTES = 64 * 1024 * 1024;

/** What an application or the relay plugs in to answer the peer's requests. Throw RequestError to refuse. */
export interface SessionHandler {
  /** The peer publishes a namespace (PUBLISH_NAMESPACE). */
  publishNamespace?(session: Session, namespace: Namespace): void | Promise<void>;
  /** The peer stopped publishing it (PUBLISH_NAMESPACE_DONE), or the session ended. */
  publishNamespaceDone?(session: Session, namespace: Namespace): void;
  /**
   * The peer wants the namespaces under `prefix` (SUBSCRIBE_NAMESPACE); announce them with
   * session.publish(). Throwing (synchronously) refuses it: SUBSCRIBE_NAMESPACE_ERROR with a
   * RequestError's code. SUBSCRIBE_NAMESPACE_OK goes out once the hook returns, so announce what
   * exists after that (a later task), not during the call.
   */
  subscribeNamespace?(session: Session, prefix: Namespace): void | Promise<void>;
  unsubscribeNamespace?(session: Session, prefix: Namespace): void;
  /** A track this session does not publish itself: the relay's routing. */
  resolveTrack?(session: Session, namespace: Namespace, name: TrackName): Promise<ServedTrack>;
  /**
   * The peer pushes a track (PUBLISH). Without this hook PUBLISH is refused. Throwing refuses it:
   * PUBLISH_ERROR with a RequestError's code (PUBLISH_OK goes out only once the hook returns).
   */
  publish?(session: Session, namespace: Namespace, name: TrackName, track: TrackSubscriber): void;
  /** The session ended (after its state is torn down). */
  closed?(session: Session, error: SessionError): void;
}

export interface SessionOptions {
  /** Requests the peer may have open at once (its MAX_REQUEST_ID credit). Default 100. */
  maxRequests?: number;
  /**
   * How many new requests a second the peer is given credit for, past its first `maxRequests`
   * (MAX_REQUEST_ID is handed back no faster): a relay slows a SUBSCRIBE flood this way. Default: no limit.
   */
  maxRequestRate?: number;
  /**
   * How long one of our requests waits for the peer's credit (MAX_REQUEST_ID) before it fails with
   * RequestError TIMEOUT (0x2), so a peer that grants none cannot hold our requests forever. Default 10 000.
   */
  requestIdTimeoutMs?: number;
  /** Sent as the MOQT IMPLEMENTATION setup parameter. */
  implementation?: string;
  /** How long received groups stay in our cache when the publisher does not say (ms). Default 10 000. */
  cacheDurationMs?: number;
  /**
   * An upper bound on how long received groups stay in our cache, whatever the publisher's
   * MAX_CACHE_DURATION says (ms). Default: none. A player's worker bounds its memory with it.
   */
  maxCacheDurationMs?: number;
  /**
   * Copy each received object, once, into an exact-size buffer of its own instead of keeping a view
   * into the network read it came in. Default false (a relay forwards views as they are); a worker
   * that transfers objects to a page turns it on, so that a transfer detaches nothing else.
   */
  ownObjectBuffers?: boolean;
  /**
   * A test option: caps what this session sends on its data streams (served subscriptions and
   * fetches), most important group first, so tests can show a bad network. Default: no cap, no cost.
   */
  sendRate?: SendRateLimit;
  /**
   * How long to wait for the peer's control stream and whole SETUP (ms); past it the session closes
   * with CONTROL_MESSAGE_TIMEOUT. Default 10 000.
   */
  setupTimeoutMs?: number;
  /**
   * How long a control message may take from its first byte to its last (ms); past it the session
   * closes with CONTROL_MESSAGE_TIMEOUT. Waiting for a message to start has no deadline. Default 5 000.
   */
  controlMessageTimeoutMs?: number;
  /**
   * Control bytes we may have queued for the peer that the transport has not taken yet (a peer that
   * does not read its control stream); beyond it the session closes with CONTROL_MESSAGE_TIMEOUT.
   * Default 1 MiB (1 048 576).
   */
  maxControlQueueBytes?: number;
  /**
   * Bytes of objects still arriving (received on data streams, not yet whole) this session may hold;
   * beyond it the session closes with INTERNAL_ERROR. Default 64 MiB (67 108 864).
   */
  maxReceiveBufferBytes?: number;
  /** A bound shared with other sessions (a relay's total); past it the session holding the most is closed. */
  receivePool?: ReceivePool;
  /**
   * Byte bounds on the tracks this session makes for what it receives (subscriptions, fetches, pushed
   * tracks): `maxBytes` per track, `budget` shared (a relay's whole cache). Default: none.
   */
  cache?: Pick<CacheTrackOptions, "maxBytes" | "budget">;
  handler?: SessionHandler;
  limits?: Partial<
    Omit<WireLimits, "maxNamespaceFields" | "maxFullTrackNameBytes" | "maxReasonBytes" | "maxGoAwayUriBytes">
  >;
  /** Diagnostics (protocol violations, refused requests). */
  log?: (line: string) => void;
  /**
   * Client: a token for the server (a JWT, a shared secret), sent as the AUTHORIZATION TOKEN setup
   * parameter (USE_VALUE, token type 0): a string as its UTF-8 bytes, bytes exactly as given.
   */
  authorizationToken?: string | Uint8Array;
  /**
   * Server: decides from the client's AUTHORIZATION TOKEN values (those sent by value, as the exact
   * bytes sent, in order) whether the session may proceed; false (or a rejection) closes it with
   * UNAUTHORIZED before SERVER_SETUP.
   */
  authorize?: (tokens: Uint8Array[]) => boolean | Promise<boolean>;
}

export class Session {
  readonly role: "client" | "server";
  readonly version = DRAFT_14;
  /** What the peer said in its SETUP. */
  readonly peerParameters: readonly Parameter[];
  /** Resolves once the session has ended, with why (code 0 = closed cleanly). */
  readonly closed: Promise<SessionError>;
  readonly #transport: MoqTransport;
  readonly #control: ControlStream;
  readonly #handler: SessionHandler;
  readonly #context: SessionContext;
  readonly #publisher: Publisher;
  readonly #subscriber: Subscriber;
  readonly #receiveBudget: SessionReceiveBudget;
  readonly #goneAway: Promise<string>;
  #resolveGoneAway!: (uri: string) => void;
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
    const options = init.options;
    const handler = options.handler ?? {};
    this.#handler = handler;
    const context = new SessionContext({
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      receive: {
        cacheDurationMs: options.cacheDurationMs ?? 10_000,
        maxCacheDurationMs: options.maxCacheDurationMs,
        ownObjectBuffers: options.ownObjectBuffers ?? false,
        trackOptions: options.cache ?? {},
      },
      incoming: init.incoming,
      outgoing: init.outgoing,
      sendRate: options.sendRate,
      control: init.control,
      transport: init.transport,
      log: options.log ?? (() => {}),
      fail: (code, reason) => this.#fail(code, reason),
      requestIdTimeoutMs: options.requestIdTimeoutMs ?? DEFAULT_REQUEST_ID_TIMEOUT_MS,
    });
    this.#context = context;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#goneAway = new Promise((resolve) => {
      this.#resolveGoneAway = resolve;
    });
    // The handler's hooks, bound to this session.
    const bind = <A extends unknown[], R>(hook: ((session: Session, ...args: A) => R) | undefined) =>
      hook === undefined ? undefined : (...args: A): R => hook.call(handler, this, ...args);
    this.#publisher = new Publisher(context, {
      resolveTrack: bind(handler.resolveTrack),
      subscribeNamespace: bind(handler.subscribeNamespace),
      unsubscribeNamespace: bind(handler.unsubscribeNamespace),
    });
    this.#subscriber = new Subscriber(context, {
      publishNamespace: bind(handler.publishNamespace),
      publishNamespaceDone: bind(handler.publishNamespaceDone),
      publish: bind(handler.publish),
    });
    this.#control.onFailure((error) => {
      if (this.isClosed) return;
      // A peer that leaves too much unread (control.ts) is its doing; anything else is a write failure.
      if (error instanceof ProtocolViolation) {
        this.#context.log(`control stream: ${error.message}`);
        this.#fail(error.code, error.message);
      } else this.#fail(SessionErrorCode.INTERNAL_ERROR, `control stream failed: ${errorText(error)}`);
    });
    void this.#transport.closed.then(
      (info) => this.#ended(closeInfoError(info)),
      (error: unknown) =>
        this.#ended(
          new SessionError(SessionErrorCode.INTERNAL_ERROR, `transport failed: ${errorText(error)}`, {
            remote: true,
            cause: error,
          }),
        ),
    );
    void this.#readControl();
    this.#receiveBudget = new SessionReceiveBudget(
      options.maxReceiveBufferBytes ?? DEFAULT_MAX_RECEIVE_BUFFER_BYTES,
      options.receivePool,
      (reason) => {
        this.#context.log(reason);
        this.#fail(SessionErrorCode.INTERNAL_ERROR, reason);
      },
    );
    receiveFromPeer(
      this.#transport,
      this.#subscriber.dataRoutes((error) => this.#violation(error), this.#receiveBudget),
    );
  }

  get isClosed(): boolean {
    return this.#context.isClosed;
  }

  /** The URI from the peer's GOAWAY ("" = reconnect to the same one), or undefined if none came. */
  get goAwayUri(): string | undefined {
    return this.#context.goAway;
  }

  /** Resolves with the URI when the peer sends GOAWAY ("" = reconnect to the same one). */
  get goneAway(): Promise<string> {
    return this.#goneAway;
  }

  /** Namespaces the peer currently publishes to us. */
  get peerNamespaces(): Namespace[] {
    return this.#subscriber.peerNamespaces;
  }

  // ---- publishing --------------------------------------------------------------------------------

  /** Publishes a namespace (PUBLISH_NAMESPACE); add tracks to the returned broadcast. */
  publish(namespace: NamespaceInput): Broadcast {
    return this.#publisher.publish(namespace);
  }

  /**
   * PUBLISH: pushes a track to the peer (typically a relay) without waiting for a SUBSCRIBE; groups
   * flow at once. Resolves on PUBLISH_OK, rejects with a RequestError on PUBLISH_ERROR. The session
   * reads clones of `track` and never closes it.
   */
  publishTrack(
    namespace: NamespaceInput,
    name: TrackNameInput,
    track: TrackSubscriber,
    options: TrackOptions = {},
  ): Promise<void> {
    return this.#publisher.publishTrack(namespace, name, track, options);
  }

  // ---- subscribing -------------------------------------------------------------------------------

  /**
   * Subscribes to a track (SUBSCRIBE). Its groups arrive as segments of `subscription.track`, most
   * important first; closing every reader of it, or `subscription.close()`, unsubscribes. A refusal
   * rejects `ready` and ends the track with a CacheError ("not-found" if the track does not exist).
   * With `into`, groups go into the caller's track instead, which the session never ends.
   */
  subscribe(
    namespace: NamespaceInput,
    name: TrackNameInput,
    options?: SubscribeOptions & { into?: undefined },
  ): Subscription<TrackSubscriber>;
  subscribe(namespace: NamespaceInput, name: TrackNameInput, options: SubscribeIntoOptions): Subscription<undefined>;
  subscribe(
    namespace: NamespaceInput,
    name: TrackNameInput,
    options?: SubscribeOptions & { into?: TrackPublisher },
  ): Subscription;
  subscribe(
    namespace: NamespaceInput,
    name: TrackNameInput,
    options: SubscribeOptions & { into?: TrackPublisher } = {},
  ): Subscription {
    return this.#subscriber.subscribe(namespace, name, options);
  }

  /**
   * Fetches past groups (FETCH, standalone): `end` is exclusive in objects, and `end.object = 0`
   * asks for all of `end.group`. The returned reader ends after the last group.
   */
  fetch(
    namespace: NamespaceInput,
    name: TrackNameInput,
    range: FetchRange,
    options: { priority?: number; groupOrder?: 0 | 1 | 2 } = {},
  ): TrackSubscriber {
    return this.#subscriber.fetch(namespace, name, range, options);
  }

  /** TRACK_STATUS: the track's largest location, without subscribing. */
  trackStatus(namespace: NamespaceInput, name: TrackNameInput): Promise<TrackStatusInfo> {
    return this.#subscriber.trackStatus(namespace, name);
  }

  /** SUBSCRIBE_NAMESPACE: the namespaces the peer publishes under `prefix` ([] = all), now and later. */
  subscribeNamespace(prefix: NamespaceInput): NamespaceWatcher {
    return this.#subscriber.subscribeNamespace(prefix);
  }

  // ---- session -----------------------------------------------------------------------------------

  /** GOAWAY: asks the peer to move to `uri` ("" = reconnect here) and stop making requests. */
  goAway(uri = ""): void {
    this.#context.checkOpen();
    if (this.role === "client" && uri !== "")
      throw new SessionArgumentError("only a server can name a new session URI");
    this.#context.send({ kind: "goaway", newSessionUri: uri });
  }

  /** Closes the session (CLOSE_WEBTRANSPORT_SESSION with a MoQT termination code). */
  close(code: number = SessionErrorCode.NO_ERROR, reason = ""): void {
    if (this.isClosed) return;
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
    const publisher = this.#publisher;
    const subscriber = this.#subscriber;
    const incoming = this.#context.incoming;
    switch (message.kind) {
      case "client_setup":
      case "server_setup":
        throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, `a second ${message.kind.toUpperCase()}`);
      case "goaway":
        if (this.role === "server" && message.newSessionUri !== "") {
          throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, "a client's GOAWAY named a URI");
        }
        this.#context.goneAway(message.newSessionUri);
        this.#resolveGoneAway(message.newSessionUri);
        return;
      case "max_request_id":
        this.#context.grant(message.requestId);
        return;
      case "requests_blocked":
        return;
      // The peer's requests for what we publish.
      case "subscribe":
        incoming.accept(message.requestId);
        void publisher.onSubscribe(message);
        return;
      case "track_status":
        incoming.accept(message.requestId);
        void publisher.onTrackStatus(message);
        return;
      case "subscribe_update":
        incoming.accept(message.requestId);
        incoming.finish();
        publisher.onSubscribeUpdate(message);
        return;
      case "unsubscribe":
        publisher.onUnsubscribe(message.requestId);
        return;
      case "fetch":
        incoming.accept(message.requestId);
        void publisher.onFetch(message);
        return;
      case "fetch_cancel":
        publisher.onFetchCancel(message.requestId);
        return;
      case "publish_namespace_cancel":
        publisher.onPublishNamespaceCancel(message.namespace);
        return;
      case "subscribe_namespace":
        incoming.accept(message.requestId);
        void publisher.onSubscribeNamespace(message.requestId, message.namespacePrefix);
        return;
      case "unsubscribe_namespace":
        publisher.onUnsubscribeNamespace(message.namespacePrefix);
        return;
      case "publish_ok":
      case "publish_error":
        publisher.onPublishReply(message);
        return;
      // What the peer publishes to us, and replies to our requests.
      case "publish":
        incoming.accept(message.requestId);
        subscriber.onPublish(message);
        return;
      case "publish_namespace":
        incoming.accept(message.requestId);
        void subscriber.onPublishNamespace(message.requestId, message.namespace);
        return;
      case "publish_namespace_done":
        subscriber.onPublishNamespaceDone(message.namespace);
        return;
      case "subscribe_ok":
        subscriber.onSubscribeOk(message);
        return;
      case "subscribe_error":
        subscriber.onSubscribeError(message);
        return;
      case "publish_done":
        subscriber.onPublishDone(message);
        return;
      case "fetch_ok":
      case "fetch_error":
        subscriber.onFetchReply(message);
        return;
      case "track_status_ok":
      case "publish_namespace_ok":
      case "subscribe_namespace_ok":
        this.#context.settle(message.requestId, message, undefined);
        return;
      case "track_status_error":
      case "publish_namespace_error":
      case "subscribe_namespace_error":
        this.#context.settle(message.requestId, undefined, new RequestError(message.errorCode, message.reason));
        return;
    }
  }

  // ---- ending ------------------------------------------------------------------------------------

  #violation(error: unknown): void {
    if (this.isClosed) return;
    if (error instanceof ProtocolViolation) {
      this.#context.log(`protocol violation: ${error.message}`);
      this.#fail(error.code, error.message);
    } else {
      this.#context.log(`session error: ${errorText(error)}`);
      this.#fail(SessionErrorCode.INTERNAL_ERROR, "internal error");
    }
  }

  #fail(code: number, reason: string): void {
    this.close(code, reason.slice(0, 1024));
  }

  #ended(error: SessionError): void {
    if (this.isClosed) return;
    this.#receiveBudget.detach();
    this.#context.end(error);
    this.#subscriber.close(error);
    this.#publisher.close();
    // The transport's close ends the control stream; a FIN of our own could overtake the close.
    this.#control.stopReading();
    this.#resolveClosed(error);
    this.#handler.closed?.(this, error);
  }
}
