// The relay's routing between MoQT sessions: who publishes which namespace, one upstream
// subscription per track shared by every downstream subscriber through the track cache, and
// namespace announcements to the sessions that asked for them.
//
// Isolation: a hook runs on behalf of one session, and only that session's request may fail. Whatever
// the router does to other sessions on the way (announcing a namespace to a watcher, withdrawing it,
// subscribing upstream) is guarded one session at a time: a failure there is that session's alone
// (it is logged and, if unexpected, that session is closed), never an error for the requester.
// Ownership: a namespace (PUBLISH_NAMESPACE) and a pushed track (PUBLISH) have one publishing session
// at a time; another session's PUBLISH_NAMESPACE or PUBLISH of it is refused (UNAUTHORIZED, the
// draft's code for "not allowed to publish this") and never disturbs the live one. Once the owner
// withdraws it or its session ends, the name is free again.
// Limits (issue 11, item 3): namespaces per session and in all, pushed tracks per session, tracks in
// all. A request over a limit is refused on its own (PUBLISH_NAMESPACE_ERROR INTERNAL_ERROR, 0x0, the
// draft's code for an implementation-specific failure: it has none for "too many"; a PUBLISH,
// PUBLISH_ERROR INTERNAL_ERROR; a SUBSCRIBE that needs a new track, SUBSCRIBE_ERROR INTERNAL_ERROR).
// The session stays open: the draft does not ask for its close, and a publisher at its limit keeps
// what it publishes.
// Deadlines (item 8): an upstream SUBSCRIBE unanswered after upstreamTimeoutMs is abandoned
// (UNSUBSCRIBE upstream) and every viewer waiting on it gets SUBSCRIBE_ERROR TIMEOUT (0x2, the draft's
// "a relay could not establish an upstream subscription within the timeout").
import { createTrack, type TrackOptions, type TrackSubscriber } from "@moqkit/sdk/cache";
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
import {
  isPrefix,
  type Namespace,
  namespaceKey,
  PublishErrorCode,
  PublishNamespaceErrorCode,
  SessionErrorCode,
  SubscribeErrorCode,
  SubscribeNamespaceErrorCode,
  type TrackName,
} from "@moqkit/sdk/wire";

/** What a session asks of the router that authorization may refuse ("list": SUBSCRIBE_NAMESPACE of a prefix). */
export type RouteAction = "publish" | "subscribe" | "list";

/** Whether `session` may do `action` on `namespace` (RouterOptions.permits). */
export type Permits = (session: Session, action: RouteAction, namespace: Namespace) => boolean;

export interface RouterOptions {
  /** How long a SUBSCRIBE waits for its namespace to be published before "not found" (ms). Default 1000. */
  announceWaitMs?: number;
  /** How long an upstream subscription outlives its last downstream subscriber (ms). Default 0. */
  lingerMs?: number;
  /**
   * How long a PUBLISH_NAMESPACE of a namespace another session publishes waits for that session to
   * leave before it is refused (ms), so that a publisher reconnecting while the relay still holds its
   * old, closing session gets its namespace back. Default 1000.
   */
  takeoverWaitMs?: number;
  /** Namespaces one session may publish at once (PUBLISH_NAMESPACE). Default 64. */
  maxNamespacesPerSession?: number;
  /** Namespaces published in all. Default 10000. */
  maxNamespaces?: number;
  /** Tracks one session may push at once (PUBLISH). Default 64. */
  maxTracksPerSession?: number;
  /** Tracks the relay holds in all (pushed, and relayed from an upstream SUBSCRIBE). Default 10000. */
  maxTracks?: number;
  /** How long an upstream SUBSCRIBE may go unanswered before its viewers get SUBSCRIBE_ERROR TIMEOUT (ms). Default 5000. */
  upstreamTimeoutMs?: number;
  /**
   * Authorization (auth/relay-auth.ts): may `session` publish (PUBLISH_NAMESPACE, PUBLISH) or
   * subscribe (SUBSCRIBE, FETCH, TRACK_STATUS, and which namespaces SUBSCRIBE_NAMESPACE announces)
   * `namespace`; "list": may it SUBSCRIBE_NAMESPACE `namespace` as a prefix (something under it is
   * readable). Refusals are UNAUTHORIZED. Default: everything is permitted.
   */
  permits?: Permits;
  /** Byte bounds on the relay's tracks: per track, and a budget shared with the sessions' pushed tracks. */
  cache?: Pick<TrackOptions, "maxBytes" | "budget">;
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

/** Something to do to a session other than the requester's: a failure is that session's alone. */
type Delivery = () => void;

/** The router's limits and deadlines by default (main.ts's flags say the same). */
export const DEFAULT_ROUTER_LIMITS = {
  maxNamespacesPerSession: 64,
  maxNamespaces: 10_000,
  maxTracksPerSession: 64,
  maxTracks: 10_000,
  upstreamTimeoutMs: 5_000,
} as const;

export class Router {
  readonly #announceWaitMs: number;
  readonly #lingerMs: number;
  readonly #takeoverWaitMs: number;
  readonly #maxNamespacesPerSession: number;
  readonly #maxNamespaces: number;
  readonly #maxTracksPerSession: number;
  readonly #maxTracks: number;
  readonly #upstreamTimeoutMs: number;
  readonly #cache: Pick<TrackOptions, "maxBytes" | "budget">;
  readonly #permits: NonNullable<RouterOptions["permits"]>;
  /** How many namespaces each session publishes (entries of #origins). */
  readonly #namespaceCounts = new Map<Session, number>();
  readonly #log: (line: string) => void;
  /** Namespaces by key, each with the one session that publishes it. */
  readonly #origins = new Map<string, Origin>();
  /** Woken when a namespace is withdrawn (PUBLISH_NAMESPACE waiting for its owner to leave). */
  readonly #freed = new Set<{ key: string; wake: () => void }>();
  readonly #tracks = new Map<string, RelayedTrack>();
  readonly #waiters = new Set<Waiter>();
  /** Sessions' SUBSCRIBE_NAMESPACE prefixes, and what we announced to each. */
  readonly #prefixes = new Map<Session, Namespace[]>();
  readonly #announced = new Map<Session, Map<string, Broadcast>>();

  constructor(options: RouterOptions = {}) {
    this.#announceWaitMs = options.announceWaitMs ?? 1_000;
    this.#lingerMs = options.lingerMs ?? 0;
    this.#takeoverWaitMs = options.takeoverWaitMs ?? 1_000;
    this.#maxNamespacesPerSession = options.maxNamespacesPerSession ?? DEFAULT_ROUTER_LIMITS.maxNamespacesPerSession;
    this.#maxNamespaces = options.maxNamespaces ?? DEFAULT_ROUTER_LIMITS.maxNamespaces;
    this.#maxTracksPerSession = options.maxTracksPerSession ?? DEFAULT_ROUTER_LIMITS.maxTracksPerSession;
    this.#maxTracks = options.maxTracks ?? DEFAULT_ROUTER_LIMITS.maxTracks;
    this.#upstreamTimeoutMs = options.upstreamTimeoutMs ?? DEFAULT_ROUTER_LIMITS.upstreamTimeoutMs;
    this.#cache = options.cache ?? {};
    this.#permits = options.permits ?? (() => true);
    this.#log = options.log ?? (() => {});
  }

  /** Refuses a request outside what `session` is granted, with UNAUTHORIZED (`code` of its ERROR). */
  #authorize(session: Session, action: RouteAction, namespace: Namespace, code: number): void {
    if (this.#permits(session, action, namespace)) return;
    this.#log(`refused ${action} ${describeNamespace(namespace)}: not granted`);
    throw new RequestError(code, `${action} ${describeNamespace(namespace)} is not granted`);
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

  async #publishNamespace(session: Session, namespace: Namespace): Promise<void> {
    this.#authorize(session, "publish", namespace, PublishNamespaceErrorCode.UNAUTHORIZED);
    const key = namespaceKey(namespace);
    let owner = this.#origins.get(key);
    if (owner !== undefined && owner.session !== session && !owner.session.isClosed) {
      // Another session publishes it: a publisher reconnecting may come before its old session is
      // gone, so give the owner a moment to leave; otherwise the live owner keeps it.
      await this.#waitForFree(key);
      if (session.isClosed) throw new RequestError(PublishNamespaceErrorCode.INTERNAL_ERROR, "session closed");
      owner = this.#origins.get(key);
    }
    if (owner !== undefined && !owner.session.isClosed && owner.session !== session) {
      this.#log(`refused publish namespace ${describeNamespace(namespace)}: published by another session`);
      throw new RequestError(PublishNamespaceErrorCode.UNAUTHORIZED, "namespace published by another session");
    }
    if (owner?.session === session) throw new RequestError(0x0, "namespace already published on this session");
    const mine = this.#namespaceCounts.get(session) ?? 0;
    const full =
      mine >= this.#maxNamespacesPerSession
        ? `too many namespaces on this session (limit ${this.#maxNamespacesPerSession})`
        : this.#origins.size >= this.#maxNamespaces
          ? `too many namespaces on the relay (limit ${this.#maxNamespaces})`
          : undefined;
    if (full !== undefined) {
      this.#log(`refused publish namespace ${describeNamespace(namespace)}: ${full}`);
      throw new RequestError(PublishNamespaceErrorCode.INTERNAL_ERROR, full);
    }
    // A stale entry of a closed owner is replaced: it no longer counts for that session.
    if (owner !== undefined) this.#forgetOrigin(key, owner);
    this.#origins.set(key, { session, namespace });
    this.#namespaceCounts.set(session, mine + 1);
    this.#log(`publish namespace ${describeNamespace(namespace)}`);
    for (const waiter of this.#waiters) if (isPrefix(namespace, waiter.namespace)) waiter.wake();
    for (const [subscriber, prefixes] of this.#prefixes) {
      if (
        subscriber !== session &&
        prefixes.some((prefix) => isPrefix(prefix, namespace)) &&
        this.#permits(subscriber, "subscribe", namespace)
      )
        this.#deliver(subscriber, "announce", () => this.#announce(subscriber, namespace));
    }
  }

  #publishNamespaceDone(session: Session, namespace: Namespace): void {
    const key = namespaceKey(namespace);
    const origin = this.#origins.get(key);
    if (origin?.session !== session) return;
    this.#forgetOrigin(key, origin);
    this.#log(`publish namespace done ${describeNamespace(namespace)}`);
    for (const [subscriber, announced] of this.#announced) {
      const broadcast = announced.get(key);
      if (broadcast === undefined) continue;
      announced.delete(key);
      if (!subscriber.isClosed) this.#deliver(subscriber, "withdraw", () => broadcast.close());
    }
    for (const freed of this.#freed) if (freed.key === key) freed.wake();
  }

  #forgetOrigin(key: string, origin: Origin): void {
    if (this.#origins.get(key) !== origin) return;
    this.#origins.delete(key);
    const left = (this.#namespaceCounts.get(origin.session) ?? 1) - 1;
    if (left > 0) this.#namespaceCounts.set(origin.session, left);
    else this.#namespaceCounts.delete(origin.session);
  }

  /** Pushed tracks `session` still publishes. */
  #pushedBy(session: Session): number {
    let count = 0;
    for (const track of this.#tracks.values())
      if (track.pushed && track.origin === session && !track.root.isEnded) count++;
    return count;
  }

  /** Throws at once (refusing it) or announces what exists, granted to `session`, after the OK goes out. */
  #subscribeNamespace(session: Session, prefix: Namespace): Promise<void> {
    this.#authorize(session, "list", prefix, SubscribeNamespaceErrorCode.UNAUTHORIZED);
    const prefixes = this.#prefixes.get(session) ?? [];
    prefixes.push(prefix);
    this.#prefixes.set(session, prefixes);
    return this.#announceExisting(session, prefix);
  }

  async #announceExisting(session: Session, prefix: Namespace): Promise<void> {
    await Promise.resolve();
    for (const origin of this.#origins.values()) {
      if (origin.session === session || !isPrefix(prefix, origin.namespace)) continue;
      if (!this.#permits(session, "subscribe", origin.namespace)) continue;
      this.#deliver(session, "announce", () => this.#announce(session, origin.namespace));
    }
  }

  #unsubscribeNamespace(session: Session, prefix: Namespace): void {
    const key = namespaceKey(prefix);
    const prefixes = (this.#prefixes.get(session) ?? []).filter((known) => namespaceKey(known) !== key);
    this.#prefixes.set(session, prefixes);
  }

  #announce(session: Session, namespace: Namespace): void {
    const key = namespaceKey(namespace);
    // A closed session, or one that sent GOAWAY, takes no new requests from us (draft-14 9.3).
    if (session.isClosed || session.goAwayUri !== undefined) return;
    const announced = this.#announced.get(session) ?? new Map<string, Broadcast>();
    this.#announced.set(session, announced);
    if (announced.has(key)) return;
    // An empty broadcast: SUBSCRIBEs for it come back to resolveTrack.
    announced.set(key, session.publish([...namespace]));
  }

  /**
   * Does something to `session` on another session's behalf. A failure stays with `session`: it is
   * logged, and `session`, whose state the router can no longer vouch for, is closed.
   */
  #deliver(session: Session, what: string, delivery: Delivery): void {
    try {
      delivery();
    } catch (error) {
      this.#log(`${what} to a session failed: ${error instanceof Error ? error.message : String(error)}`);
      if (session.isClosed) return;
      try {
        session.close(SessionErrorCode.INTERNAL_ERROR, `relay: ${what} failed`);
      } catch {
        // Closing already.
      }
    }
  }

  /** Resolves once the namespace `key` is withdrawn, or after the takeover wait. */
  #waitForFree(key: string): Promise<void> {
    return new Promise((resolve) => {
      const freed = {
        key,
        wake: () => {
          clearTimeout(timer);
          this.#freed.delete(freed);
          resolve();
        },
      };
      const timer = setTimeout(freed.wake, this.#takeoverWaitMs);
      this.#freed.add(freed);
    });
  }

  /** The longest published namespace that is a prefix of `namespace`. */
  #originFor(namespace: Namespace): Origin | undefined {
    let best: Origin | undefined;
    for (const origin of this.#origins.values()) {
      if (origin.session.isClosed || !isPrefix(origin.namespace, namespace)) continue;
      if (best === undefined || origin.namespace.length > best.namespace.length) best = origin;
    }
    return best;
  }

  /** A publisher's PUBLISH: the track is served as it is, no upstream SUBSCRIBE needed. */
  #pushTrack(session: Session, namespace: Namespace, name: TrackName, track: TrackSubscriber): void {
    this.#authorize(session, "publish", namespace, PublishErrorCode.UNAUTHORIZED);
    const key = fullTrackKey(namespace, name);
    const previous = this.#tracks.get(key);
    const owner = this.#origins.get(namespaceKey(namespace));
    // Another session's live track or namespace: UNAUTHORIZED, the draft's code for "not allowed to
    // publish this". Over a limit: INTERNAL_ERROR (the draft has no code for "too many"). Either way
    // the session answers PUBLISH_ERROR, and the live track is left alone.
    const refusal =
      owner !== undefined && owner.session !== session && !owner.session.isClosed
        ? ([PublishErrorCode.UNAUTHORIZED, "its namespace is published by another session"] as const)
        : previous !== undefined && previous.origin !== session && this.#isLive(previous)
          ? ([PublishErrorCode.UNAUTHORIZED, "published by another session"] as const)
          : this.#pushedBy(session) >= this.#maxTracksPerSession
            ? ([
                PublishErrorCode.INTERNAL_ERROR,
                `too many tracks on this session (limit ${this.#maxTracksPerSession})`,
              ] as const)
            : previous === undefined && this.#tracks.size >= this.#maxTracks
              ? ([PublishErrorCode.INTERNAL_ERROR, `too many tracks on the relay (limit ${this.#maxTracks})`] as const)
              : undefined;
    if (refusal !== undefined) {
      this.#log(`refused publish ${describeTrack(namespace, name)}: ${refusal[1]}`);
      throw new RequestError(refusal[0], refusal[1]);
    }
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

  /** Still served by a live upstream: its publisher's session is open and the track has not ended. */
  #isLive(track: RelayedTrack): boolean {
    return !track.root.isEnded && !track.origin.isClosed;
  }

  async #resolveTrack(session: Session, namespace: Namespace, name: TrackName): Promise<ServedTrack> {
    // SUBSCRIBE, FETCH and TRACK_STATUS: UNAUTHORIZED is 0x1 in each of their ERRORs.
    this.#authorize(session, "subscribe", namespace, SubscribeErrorCode.UNAUTHORIZED);
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
    if (track === undefined && this.#tracks.size >= this.#maxTracks) {
      this.#log(`refused subscribe ${describeTrack(namespace, name)}: too many tracks on the relay`);
      throw new RequestError(
        SubscribeErrorCode.INTERNAL_ERROR,
        `too many tracks on the relay (limit ${this.#maxTracks})`,
      );
    }
    if (track === undefined) {
      // The router owns the upstream track; the session writes into it. The track ends the way the
      // upstream subscription ends: refused, PUBLISH_DONE, or the publisher's session closing.
      // It keeps its newest group whatever its time to live: a catalog written once still reaches late viewers.
      const [publisher, root] = createTrack(describeTrack(namespace, name), { ...this.#cache, keepLatest: true });
      let upstream: ReturnType<Session["subscribe"]>;
      try {
        upstream = origin.session.subscribe([...namespace], name, { into: publisher });
      } catch (error) {
        // The publisher's session cannot take requests (closing, or it sent GOAWAY): the
        // subscriber's request is refused for what it is, not as an internal error of the relay.
        publisher.close();
        root.close();
        this.#log(
          `upstream subscribe ${describeTrack(namespace, name)} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw new RequestError(SubscribeErrorCode.TRACK_DOES_NOT_EXIST, "the publisher is leaving");
      }
      void upstream.closed.then((error) => publisher.close(error));
      const description = describeTrack(namespace, name);
      const ms = this.#upstreamTimeoutMs;
      const pending = upstream;
      const ready = new Promise<Pick<SubscriptionInfo, "groupOrder" | "cacheDurationMs">>((resolve, reject) => {
        const timer = setTimeout(() => {
          // No SUBSCRIBE_OK nor SUBSCRIBE_ERROR in time: abandon the upstream request (UNSUBSCRIBE),
          // and its viewers get SUBSCRIBE_ERROR TIMEOUT.
          this.#log(`upstream subscribe ${description} timed out after ${ms} ms`);
          reject(new RequestError(SubscribeErrorCode.TIMEOUT, `no answer from the publisher within ${ms} ms`));
          try {
            pending.close();
          } catch {
            // The publisher's session is closing.
          }
          this.#drop(key, created);
        }, ms);
        pending.ready.then(
          (info) => {
            clearTimeout(timer);
            resolve(info);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
      ready.catch(() => {});
      const created: RelayedTrack = {
        root,
        origin: origin.session,
        ready,
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
    // Its namespaces were withdrawn through publishNamespaceDone as it ended; any left are freed here.
    for (const origin of [...this.#origins.values()])
      if (origin.session === session) this.#publishNamespaceDone(session, origin.namespace);
    for (const [key, track] of this.#tracks) {
      if (track.origin !== session) continue;
      try {
        this.#drop(key, track);
      } catch (dropError) {
        this.#log(`dropping ${key} failed: ${dropError instanceof Error ? dropError.message : String(dropError)}`);
      }
    }
  }
}
