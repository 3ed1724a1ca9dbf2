// The relay's routing between MoQT sessions: who publishes which namespace, one upstream
// subscription per track shared by every downstream subscriber through the track cache, and
// namespace announcements to the sessions that asked for them.
import { createTrack, type TrackSubscriber } from "@moqkit/sdk/cache";
import {
  type Broadcast,
  describeNamespace,
  describeTrack,
  fullTrackKey,
  RequestError,
  type ServedTrack,
  type Session,
  type SessionError,
  type SessionHandler,
  type SubscriptionInfo,
} from "@moqkit/sdk/session";
import { isPrefix, type Namespace, namespaceKey, SubscribeErrorCode, type TrackName } from "@moqkit/sdk/wire";

export interface RouterOptions {
  /** How long a SUBSCRIBE waits for its namespace to be published before "not found" (ms). Default 1000. */
  announceWaitMs?: number;
  /** How long an upstream subscription outlives its last downstream subscriber (ms). Default 0. */
  lingerMs?: number;
  log?: (line: string) => void;
}

interface Origin {
  session: Session;
  namespace: Namespace;
}

interface RelayedTrack {
  /** A reader of the upstream track (the router's; the upstream session writes into it): never read, cloned per downstream subscriber. */
  root: TrackSubscriber;
  origin: Session;
  /** Resolves on the upstream SUBSCRIBE_OK (what it said of the track). */
  ready: Promise<Pick<SubscriptionInfo, "groupOrder" | "cacheDurationMs">>;
  groupOrder: 1 | 2;
  maxCacheDurationMs: number | undefined;
  users: number;
  linger: ReturnType<typeof setTimeout> | undefined;
  /** Pushed by its publisher (PUBLISH): kept while the publisher pushes it, whoever reads. */
  pushed: boolean;
}

interface Waiter {
  namespace: Namespace;
  wake: () => void;
}

export class Router {
  readonly #announceWaitMs: number;
  readonly #lingerMs: number;
  readonly #log: (line: string) => void;
  /** Namespaces by key, each with the sessions that publish it (the first serves subscriptions). */
  readonly #origins = new Map<string, Origin[]>();
  readonly #tracks = new Map<string, RelayedTrack>();
  readonly #waiters = new Set<Waiter>();
  /** Sessions' SUBSCRIBE_NAMESPACE prefixes, and what we announced to each. */
  readonly #prefixes = new Map<Session, Namespace[]>();
  readonly #announced = new Map<Session, Map<string, Broadcast>>();

  constructor(options: RouterOptions = {}) {
    this.#announceWaitMs = options.announceWaitMs ?? 1_000;
    this.#lingerMs = options.lingerMs ?? 0;
    this.#log = options.log ?? (() => {});
  }

  /** The hooks every relay session is created with. */
  readonly handler: SessionHandler = {
    publishNamespace: (session, namespace) => this.#publishNamespace(session, namespace),
    publishNamespaceDone: (session, namespace) => this.#publishNamespaceDone(session, namespace),
    subscribeNamespace: (session, prefix) => this.#subscribeNamespace(session, prefix),
    unsubscribeNamespace: (session, prefix) => this.#unsubscribeNamespace(session, prefix),
    resolveTrack: (session, namespace, name) => this.#resolveTrack(session, namespace, name),
    publish: (session, namespace, name, track) => this.#pushTrack(session, namespace, name, track),
    closed: (session, error) => this.#closed(session, error),
  };

  /** Counts, for logs and tests. */
  get stats(): { namespaces: number; tracks: number } {
    return { namespaces: this.#origins.size, tracks: this.#tracks.size };
  }

  #publishNamespace(session: Session, namespace: Namespace): void {
    const key = namespaceKey(namespace);
    const origins = this.#origins.get(key) ?? [];
    if (origins.some((origin) => origin.session === session)) {
      throw new RequestError(0x0, "namespace already published on this session");
    }
    origins.push({ session, namespace });
    this.#origins.set(key, origins);
    this.#log(`publish namespace ${describeNamespace(namespace)}`);
    for (const waiter of this.#waiters) if (isPrefix(namespace, waiter.namespace)) waiter.wake();
    if (origins.length === 1) {
      for (const [subscriber, prefixes] of this.#prefixes) {
        if (subscriber !== session && prefixes.some((prefix) => isPrefix(prefix, namespace)))
          this.#announce(subscriber, namespace);
      }
    }
  }

  #publishNamespaceDone(session: Session, namespace: Namespace): void {
    const key = namespaceKey(namespace);
    const origins = (this.#origins.get(key) ?? []).filter((origin) => origin.session !== session);
    if (origins.length > 0) {
      this.#origins.set(key, origins);
      return;
    }
    this.#origins.delete(key);
    this.#log(`publish namespace done ${describeNamespace(namespace)}`);
    for (const [subscriber, announced] of this.#announced) {
      const broadcast = announced.get(key);
      if (broadcast === undefined) continue;
      announced.delete(key);
      if (!subscriber.isClosed) broadcast.close();
    }
  }

  #subscribeNamespace(session: Session, prefix: Namespace): void {
    const prefixes = this.#prefixes.get(session) ?? [];
    prefixes.push(prefix);
    this.#prefixes.set(session, prefixes);
    for (const origins of this.#origins.values()) {
      const first = origins[0];
      if (first === undefined || first.session === session || !isPrefix(prefix, first.namespace)) continue;
      this.#announce(session, first.namespace);
    }
  }

  #unsubscribeNamespace(session: Session, prefix: Namespace): void {
    const key = namespaceKey(prefix);
    const prefixes = (this.#prefixes.get(session) ?? []).filter((known) => namespaceKey(known) !== key);
    this.#prefixes.set(session, prefixes);
  }

  #announce(session: Session, namespace: Namespace): void {
    const key = namespaceKey(namespace);
    const announced = this.#announced.get(session) ?? new Map<string, Broadcast>();
    this.#announced.set(session, announced);
    if (announced.has(key) || session.isClosed) return;
    // An empty broadcast: SUBSCRIBEs for it come back to resolveTrack.
    announced.set(key, session.publish([...namespace]));
  }

  /** The longest published namespace that is a prefix of `namespace`. */
  #originFor(namespace: Namespace): Origin | undefined {
    let best: Origin | undefined;
    for (const origins of this.#origins.values()) {
      const first = origins[0];
      if (first === undefined || !isPrefix(first.namespace, namespace)) continue;
      if (best === undefined || first.namespace.length > best.namespace.length) best = first;
    }
    return best;
  }

  /** A publisher's PUBLISH: the track is served as it is, no upstream SUBSCRIBE needed. */
  #pushTrack(session: Session, namespace: Namespace, name: TrackName, track: TrackSubscriber): void {
    const key = fullTrackKey(namespace, name);
    const previous = this.#tracks.get(key);
    if (previous !== undefined) this.#drop(key, previous);
    this.#tracks.set(key, {
      root: track,
      origin: session,
      ready: Promise.resolve({ groupOrder: 2, cacheDurationMs: undefined }),
      groupOrder: 2,
      maxCacheDurationMs: undefined,
      users: 0,
      linger: undefined,
      pushed: true,
    });
    this.#log(`publish ${describeTrack(namespace, name)}`);
    for (const waiter of this.#waiters) if (isPrefix(namespace, waiter.namespace)) waiter.wake();
  }

  async #resolveTrack(_session: Session, namespace: Namespace, name: TrackName): Promise<ServedTrack> {
    const pushed = this.#tracks.get(fullTrackKey(namespace, name));
    if (pushed?.pushed === true && !pushed.root.isEnded && !pushed.origin.isClosed)
      return this.#serve(fullTrackKey(namespace, name), pushed);
    let origin = this.#originFor(namespace);
    if (origin === undefined) {
      // Subscribe before publish: wait a bounded time for the namespace to appear.
      await this.#waitForNamespace(namespace);
      origin = this.#originFor(namespace);
    }
    const key = fullTrackKey(namespace, name);
    const late = this.#tracks.get(key);
    if (late?.pushed === true && !late.root.isEnded) return this.#serve(key, late);
    if (origin === undefined) throw new RequestError(SubscribeErrorCode.TRACK_DOES_NOT_EXIST, "not found");
    let track = this.#tracks.get(key);
    if (track !== undefined && (track.root.isEnded || track.origin.isClosed)) {
      this.#drop(key, track);
      track = undefined;
    }
    if (track === undefined) {
      // The router owns the upstream track; the session writes into it. The track ends the way the
      // upstream subscription ends: refused, PUBLISH_DONE, or the publisher's session closing.
      // It keeps its newest group whatever its time to live: a catalog written once still reaches late viewers.
      const [publisher, root] = createTrack(describeTrack(namespace, name), { keepLatest: true });
      const upstream = origin.session.subscribe([...namespace], name, { into: publisher });
      void upstream.closed.then((error) => publisher.close(error));
      const created: RelayedTrack = {
        root,
        origin: origin.session,
        ready: upstream.ready,
        groupOrder: 2,
        maxCacheDurationMs: undefined,
        users: 0,
        linger: undefined,
        pushed: false,
      };
      this.#tracks.set(key, created);
      this.#log(`upstream subscribe ${describeTrack(namespace, name)}`);
      track = created;
    }
    return this.#serve(key, track);
  }

  /** One more downstream subscriber of `relayed`, once its upstream subscription is in place. */
  async #serve(key: string, relayed: RelayedTrack): Promise<ServedTrack> {
    relayed.users++;
    if (relayed.linger !== undefined) clearTimeout(relayed.linger);
    relayed.linger = undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      relayed.users--;
      if (relayed.users > 0 || relayed.pushed) return;
      relayed.linger = setTimeout(() => {
        if (relayed.users === 0) this.#drop(key, relayed);
      }, this.#lingerMs);
    };
    try {
      // A relay answers SUBSCRIBE_OK only once it has its upstream subscription.
      const info = await relayed.ready;
      relayed.groupOrder = info.groupOrder;
      relayed.maxCacheDurationMs = info.cacheDurationMs;
    } catch (error) {
      release();
      if (error instanceof RequestError) throw error;
      throw new RequestError(SubscribeErrorCode.INTERNAL_ERROR, "upstream subscription failed");
    }
    return {
      track: relayed.root,
      groupOrder: relayed.groupOrder,
      maxCacheDurationMs: relayed.maxCacheDurationMs,
      release,
    };
  }

  #drop(key: string, track: RelayedTrack): void {
    if (this.#tracks.get(key) === track) this.#tracks.delete(key);
    if (track.linger !== undefined) clearTimeout(track.linger);
    // Closing the last reader of the upstream track sends UNSUBSCRIBE.
    track.root.close();
  }

  #waitForNamespace(namespace: Namespace): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        namespace,
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, this.#announceWaitMs);
      this.#waiters.add(waiter);
    });
  }

  #closed(session: Session, error: SessionError): void {
    this.#log(`moq session closed code=${error.code} reason=${JSON.stringify(error.message)}`);
    this.#prefixes.delete(session);
    this.#announced.delete(session);
    for (const [key, track] of this.#tracks) if (track.origin === session) this.#drop(key, track);
  }
}
