// A subscription of ours (SUBSCRIBE), as session.subscribe() returns it: its answer, SUBSCRIBE_UPDATE,
// a joining FETCH, and UNSUBSCRIBE. Groups go into a cache track through the session's own publisher
// handle: a track the session made, or a clone of the caller's (`into`), which outlives the session.
import type { CacheError, TrackPublisher, TrackSubscriber } from "../cache/index.ts";
import type { ControlMessage, Fetch, Namespace, TrackName } from "../wire/index.ts";
import { checkPriority, type SubscribeFields } from "./arguments.ts";
import { SessionArgumentError } from "./errors.ts";
import type { SubscriptionUpdate } from "./options.ts";
import { type ReceivedSubscription, type Settle, type SubscriptionInfo, toCacheError } from "./receive.ts";

/** What a subscription needs from its session. */
export interface SubscriptionHost {
  readonly isClosed: boolean;
  checkCanRequest(): void;
  allocate(): Promise<number>;
  send(message: ControlMessage): void;
  /** Makes the receiving side of the subscription and registers it under its request ID until it finishes. */
  receive(init: {
    requestId: number;
    /** The full track name, for ordering: an earlier subscription to it that nobody reads is unsubscribed first. */
    namespace: Namespace;
    name: TrackName;
    track: TrackPublisher;
    ownsTrack: boolean;
    description: string;
    settle: Settle;
    filter: SubscribeFields["filter"];
    onFinished: (error: CacheError | null) => void;
  }): ReceivedSubscription;
  /** Starts a FETCH; the returned reader gets its groups. */
  fetch(description: string, build: (requestId: number) => Fetch): TrackSubscriber;
}

export interface SubscribeRequest extends SubscribeFields {
  namespace: Namespace;
  name: TrackName;
  description: string;
}

export class Subscription<T extends TrackSubscriber | undefined = TrackSubscriber | undefined> {
  readonly namespace: Namespace;
  readonly name: TrackName;
  /**
   * A reader of the track the session made (closing every reader unsubscribes); undefined with
   * `into`, where the caller reads its own track.
   */
  readonly track: T;
  /** Resolves on SUBSCRIBE_OK; rejects with a RequestError (refused), a SessionError, or a CacheError (closed first). */
  readonly ready: Promise<SubscriptionInfo>;
  /** Resolves once the session's side has ended: undefined when cleanly, else the error it ended with. */
  readonly closed: Promise<CacheError | undefined>;
  readonly #host: SubscriptionHost;
  readonly #request: SubscribeRequest;
  readonly #handle: TrackPublisher;
  #settle!: Settle;
  #resolveClosed!: (error: CacheError | undefined) => void;
  #received: ReceivedSubscription | undefined;
  #priority: number;
  #forward = true;
  #closing = false;
  #ended = false;

  /** @internal use session.subscribe(). `handle` is the session's own publisher handle on the track. */
  constructor(host: SubscriptionHost, request: SubscribeRequest, handle: TrackPublisher, track: T) {
    this.#host = host;
    this.#request = request;
    this.#handle = handle;
    this.namespace = request.namespace;
    this.name = request.name;
    this.track = track;
    this.#priority = request.priority;
    this.ready = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // A refusal is also reported through `ready`; do not let it go unhandled when nobody awaits it.
    this.ready.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    void this.#start();
  }

  /** The SUBSCRIBE's request ID, once it is sent. */
  get requestId(): number | undefined {
    return this.#received?.requestId;
  }

  /** Whether close() was called or the subscription ended (refused, PUBLISH_DONE, the session closed). */
  get isClosed(): boolean {
    return this.#closing || this.#ended;
  }

  /** The subscriber priority last asked for (0..255, lower is more important). */
  get priority(): number {
    return this.#priority;
  }

  /** Whether the publisher is asked to send groups (false: paused). */
  get forward(): boolean {
    return this.#forward;
  }

  /**
   * SUBSCRIBE_UPDATE: a new subscriber priority, or pausing (forward: false) and resuming delivery.
   * The range is left as it is. Before the SUBSCRIBE leaves, it changes what the SUBSCRIBE says.
   */
  update(update: SubscriptionUpdate): void {
    this.#host.checkCanRequest();
    const priority = checkPriority(update.priority ?? this.#priority);
    const forward = update.forward ?? this.#forward;
    if (typeof forward !== "boolean") throw new SessionArgumentError("forward must be a boolean");
    this.#priority = priority;
    this.#forward = forward;
    const received = this.#received;
    if (received === undefined || this.isClosed) return;
    const start = received.start;
    const endGroup = received.endGroup === undefined ? 0 : received.endGroup + 1;
    void this.#host.allocate().then(
      // Sent even if the subscription ended meanwhile: request IDs must reach the peer in order.
      (requestId) =>
        this.#host.send({
          kind: "subscribe_update",
          requestId,
          subscriptionRequestId: received.requestId,
          start,
          endGroup,
          subscriberPriority: priority,
          forward,
          parameters: [],
        }),
      () => {},
    );
  }

  /**
   * A joining FETCH: the `groups` groups before the subscription's largest group, plus the largest
   * group up to the live edge. The returned reader ends after the last group.
   */
  fetchJoining(groups: number, options: { priority?: number } = {}): TrackSubscriber {
    this.#host.checkCanRequest();
    if (!Number.isSafeInteger(groups) || groups < 0)
      throw new SessionArgumentError(`groups must be a non-negative integer, got ${groups}`);
    const priority = checkPriority(options.priority ?? 128);
    const joiningRequestId = this.#received?.requestId;
    if (joiningRequestId === undefined || this.isClosed) {
      throw new SessionArgumentError("fetchJoining needs a subscription whose SUBSCRIBE was sent (await ready)");
    }
    return this.#host.fetch(`${this.#request.description} (joining)`, (requestId) => ({
      kind: "fetch",
      requestId,
      subscriberPriority: priority,
      groupOrder: 0,
      fetch: { type: "relative_joining", joiningRequestId, joiningStart: groups },
      parameters: [],
    }));
  }

  /** UNSUBSCRIBE (once), and the session's handle on the track is closed; a caller's track carries on. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    // Before the SUBSCRIBE is sent, #start unsubscribes right after it.
    this.#unsubscribe();
  }

  async #start(): Promise<void> {
    let requestId: number;
    try {
      requestId = await this.#host.allocate();
    } catch (error) {
      // The session closed first.
      this.#settle.reject(error instanceof Error ? error : new Error(String(error)));
      const cause = toCacheError(error);
      this.#handle.close(this.track === undefined ? undefined : cause);
      this.#finished(cause);
      return;
    }
    const request = this.#request;
    // Before our SUBSCRIBE: the UNSUBSCRIBE of an earlier subscription to this track whose reader
    // was closed in the same tick (its own UNSUBSCRIBE would follow a turn later), see receive().
    this.#received = this.#host.receive({
      requestId,
      namespace: request.namespace,
      name: request.name,
      track: this.#handle,
      ownsTrack: this.track !== undefined,
      description: request.description,
      settle: this.#settle,
      filter: request.filter,
      onFinished: (error) => this.#finished(error ?? undefined),
    });
    // Sent even when closed meanwhile (then withdrawn at once): request IDs must reach the peer in order.
    this.#host.send({
      kind: "subscribe",
      requestId,
      namespace: request.namespace,
      trackName: request.name,
      subscriberPriority: this.#priority,
      groupOrder: request.groupOrder,
      forward: this.#forward,
      filter: request.filter,
      parameters: request.parameters,
    });
    if (this.#closing) this.#unsubscribe();
    // Nobody reads the track any more: UNSUBSCRIBE.
    else {
      // Stop watching once the subscription is over: a caller's track (`into`) outlives many sessions.
      const over = new AbortController();
      void this.closed.then(() => over.abort());
      void this.#handle.ended(over.signal).then(() => this.#unsubscribe());
    }
  }

  #unsubscribe(): void {
    const received = this.#received;
    if (received === undefined || received.isFinished) return;
    this.#host.send({ kind: "unsubscribe", requestId: received.requestId });
    received.abandon(null);
  }

  #finished(error: CacheError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#resolveClosed(error);
  }
}
