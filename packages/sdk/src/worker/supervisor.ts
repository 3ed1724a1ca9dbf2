// Keeps the worker connected: opens a session, applies what the page wants (tracks to receive into,
// tracks to publish), and when the session drops, stops answering or the relay sends GOAWAY, opens a
// new one with capped exponential backoff and applies the same again, into the same cache tracks. The
// tracks belong to the worker, not to any session, so the page's pull never notices a reconnect other
// than by the segments that went by meanwhile.
import type { TrackPublisher, TrackSubscriber } from "../cache/index.ts";
import { type Broadcast, type Session, SessionError } from "../session/index.ts";
import { Backoff } from "./backoff.ts";
import { toErrorInfo, WorkerError } from "./errors.ts";
import type { ConnectionState, ErrorInfo, LivenessOptions, ReconnectOptions, TrackRef } from "./protocol.ts";

/** MoQT session termination codes that mean "do not come back": UNAUTHORIZED, VERSION_NEGOTIATION_FAILED. */
const FATAL_SESSION_CODES = new Set([0x2, 0x15]);

export const LIVENESS_DEFAULTS: Required<LivenessOptions> = { intervalMs: 1_000, timeoutMs: 1_500 };

/** How many times the very first connection is tried before connect() gives up. */
export const FIRST_CONNECT_ATTEMPTS = 3;

export interface SupervisorOptions {
  /** Opens and sets up one session (resolving the URL anew each time). */
  open: () => Promise<Session>;
  reconnect?: ReconnectOptions;
  liveness?: LivenessOptions;
  onState: (state: ConnectionState, sessions: number, error?: ErrorInfo) => void;
  onTrack: (trackId: number, status: "active" | "waiting", error?: ErrorInfo) => void;
  log?: (line: string) => void;
}

interface WantedSubscription {
  trackId: number;
  ref: TrackRef;
  into: TrackPublisher;
  priority: number;
  /** The subscription on the current session, if any. */
  current: { close(): void } | undefined;
  retry: ReturnType<typeof setTimeout> | undefined;
  backoff: Backoff;
}

interface WantedPublication {
  trackId: number;
  ref: TrackRef;
  reader: TrackSubscriber;
  maxCacheDurationMs: number | undefined;
  onObjectSent: ObjectSent | undefined;
}

/** Told each object a session wrote to a subscriber's stream (Broadcast.addTrack's onObjectSent). */
export type ObjectSent = (group: number, object: number, payload: Uint8Array) => void;

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #backoff: Backoff;
  readonly #liveness: Required<LivenessOptions>;
  readonly #subscriptions = new Map<number, WantedSubscription>();
  readonly #publications = new Map<number, WantedPublication>();
  /** The current session's broadcasts, by namespace key. */
  #broadcasts = new Map<string, Broadcast>();
  /** Backoff of each namespace the relay refused, until it accepts it. */
  readonly #publishBackoff = new Map<string, Backoff>();
  #session: Session | undefined;
  #state: ConnectionState = "idle";
  #sessions = 0;
  #closed = false;
  #sleeping: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.reconnect);
    this.#liveness = { ...LIVENESS_DEFAULTS, ...options.liveness };
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get sessions(): number {
    return this.#sessions;
  }

  /** Connects; resolves once the first session is up, rejects if the first attempts all fail. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      void this.#run(resolve, reject);
    });
  }

  subscribe(trackId: number, ref: TrackRef, into: TrackPublisher, priority: number): void {
    const wanted: WantedSubscription = {
      trackId,
      ref,
      into,
      priority,
      current: undefined,
      retry: undefined,
      backoff: new Backoff(this.#options.reconnect),
    };
    this.#subscriptions.set(trackId, wanted);
    if (this.#session !== undefined && this.#state === "connected") this.#subscribeOn(this.#session, wanted);
  }

  unsubscribe(trackId: number): void {
    const wanted = this.#subscriptions.get(trackId);
    if (wanted === undefined) return;
    this.#subscriptions.delete(trackId);
    if (wanted.retry !== undefined) clearTimeout(wanted.retry);
    wanted.current?.close();
    wanted.current = undefined;
  }

  publish(
    trackId: number,
    ref: TrackRef,
    reader: TrackSubscriber,
    maxCacheDurationMs: number | undefined,
    onObjectSent?: ObjectSent,
  ): void {
    const wanted: WantedPublication = { trackId, ref, reader, maxCacheDurationMs, onObjectSent };
    this.#publications.set(trackId, wanted);
    if (this.#session !== undefined && this.#state === "connected") this.#publishOn(this.#session, wanted);
  }

  unpublish(trackId: number): void {
    const wanted = this.#publications.get(trackId);
    if (wanted === undefined) return;
    this.#publications.delete(trackId);
    const key = namespaceKey(wanted.ref.namespace);
    const broadcast = this.#broadcasts.get(key);
    if (broadcast === undefined) return;
    broadcast.removeTrack(wanted.ref.name);
    const others = [...this.#publications.values()].some((other) => namespaceKey(other.ref.namespace) === key);
    if (!others) {
      broadcast.close();
      this.#broadcasts.delete(key);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const trackId of [...this.#subscriptions.keys()]) this.unsubscribe(trackId);
    this.#session?.close(0, "closed by the page");
    this.#session = undefined;
    this.#wake();
    this.#setState("closed", new WorkerError("closed", "closed by the page").toInfo());
  }

  async #run(resolve: () => void, reject: (error: Error) => void): Promise<void> {
    let connectedOnce = false;
    let lastError: ErrorInfo | undefined;
    while (!this.#closed) {
      this.#setState(connectedOnce ? "reconnecting" : "connecting", lastError);
      let session: Session;
      try {
        session = await this.#options.open();
      } catch (error) {
        const info = toErrorInfo(error, "connect-failed");
        lastError = info;
        const fatal = isFatal(error);
        if (fatal || (!connectedOnce && this.#backoff.attempts + 1 >= FIRST_CONNECT_ATTEMPTS)) {
          if (!connectedOnce) reject(WorkerError.from(info));
          if (fatal || !connectedOnce) return this.#fail(info);
        }
        await this.#sleep(this.#backoff.next());
        continue;
      }
      if (this.#closed) {
        session.close(0, "closed by the page");
        return;
      }
      this.#backoff.reset();
      this.#sessions++;
      this.#session = session;
      this.#broadcasts = new Map();
      for (const wanted of this.#publications.values()) this.#publishOn(session, wanted);
      for (const wanted of this.#subscriptions.values()) this.#subscribeOn(session, wanted);
      this.#setState("connected");
      if (!connectedOnce) resolve();
      connectedOnce = true;
      const why = await this.#watch(session);
      this.#session = undefined;
      for (const wanted of this.#subscriptions.values()) {
        wanted.current = undefined;
        if (wanted.retry !== undefined) clearTimeout(wanted.retry);
        wanted.retry = undefined;
      }
      if (this.#closed) return;
      lastError = why;
      this.#options.log?.(`session lost: ${why.message}`);
      if (isFatalInfo(why)) return this.#fail(why);
      // A GOAWAY asks us to move now; anything else waits a moment first.
      if (why.code !== "closed") await this.#sleep(this.#backoff.next());
    }
  }

  #fail(error: ErrorInfo): void {
    this.#closed = true;
    this.#setState("closed", error);
  }

  /** Resolves when the session is gone (closed, silent, or asked us to leave), with why. */
  async #watch(session: Session): Promise<ErrorInfo> {
    const ended = session.closed.then((error) => toErrorInfo(error, "connect-failed"));
    const goneAway = session.goneAway.then(() => new WorkerError("closed", "the relay sent GOAWAY").toInfo());
    const silent = this.#probeUntilSilent(session, ended);
    const why = await Promise.race([ended, goneAway, silent]);
    // A GOAWAY or a dead relay: this session is done either way.
    if (!session.isClosed) session.close(0, why.message);
    return why;
  }

  /**
   * Liveness: a killed relay sends nothing, and QUIC only notices at its idle timeout (30 s). So every
   * interval the worker makes a request every draft-14 relay must answer at once (SUBSCRIBE_NAMESPACE
   * for a prefix nobody publishes, then UNSUBSCRIBE_NAMESPACE); no answer in time = the relay is gone.
   */
  async #probeUntilSilent(session: Session, ended: Promise<unknown>): Promise<ErrorInfo> {
    const { intervalMs, timeoutMs } = this.#liveness;
    if (intervalMs === 0) return new Promise<ErrorInfo>(() => {});
    let stop = false;
    void ended.then(() => {
      stop = true;
    });
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (stop || session.isClosed || this.#closed || session.goAwayUri !== undefined) return new Promise(() => {});
      const probe = session.subscribeNamespace([`.moqkit-liveness-${Math.random().toString(36).slice(2, 10)}`]);
      const answered = probe.ready.then(
        () => true,
        // Refused is an answer too.
        (error: unknown) => !(error instanceof SessionError),
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const alive = await Promise.race([answered, timeout]);
      clearTimeout(timer);
      probe.close();
      if (stop || session.isClosed) return new Promise(() => {});
      if (!alive) return new WorkerError("connect-failed", `the relay did not answer for ${timeoutMs} ms`).toInfo();
    }
  }

  /**
   * A refused PUBLISH_NAMESPACE is asked again with the reconnect backoff for as long as this session
   * lives: a relay refuses a namespace another session holds, and that may be this worker's own
   * previous session, which the relay has not yet seen die.
   */
  #republishLater(session: Session, key: string, refused: Broadcast): void {
    let backoff = this.#publishBackoff.get(key);
    if (backoff === undefined) {
      backoff = new Backoff(this.#options.reconnect);
      this.#publishBackoff.set(key, backoff);
    }
    setTimeout(() => {
      if (this.#closed || this.#session !== session || session.isClosed || this.#broadcasts.get(key) !== refused)
        return;
      this.#broadcasts.delete(key);
      refused.close();
      for (const wanted of this.#publications.values())
        if (namespaceKey(wanted.ref.namespace) === key) this.#publishOn(session, wanted);
    }, backoff.next());
  }

  #publishOn(session: Session, wanted: WantedPublication): void {
    const key = namespaceKey(wanted.ref.namespace);
    try {
      let broadcast = this.#broadcasts.get(key);
      if (broadcast === undefined) {
        const published = session.publish(wanted.ref.namespace);
        broadcast = published;
        this.#broadcasts.set(key, published);
        published.ready.then(
          () => this.#publishBackoff.delete(key),
          (error: unknown) => {
            this.#options.log?.(`publish ${key} refused: ${String(error)}`);
            this.#republishLater(session, key, published);
          },
        );
      }
      const options = {
        ...(wanted.maxCacheDurationMs === undefined ? {} : { maxCacheDurationMs: wanted.maxCacheDurationMs }),
        ...(wanted.onObjectSent === undefined ? {} : { onObjectSent: wanted.onObjectSent }),
      };
      broadcast.addTrack(wanted.ref.name, wanted.reader, options);
    } catch (error) {
      this.#options.log?.(`publish ${key}/${wanted.ref.name} failed: ${String(error)}`);
    }
  }

  #subscribeOn(session: Session, wanted: WantedSubscription): void {
    if (session.isClosed || this.#subscriptions.get(wanted.trackId) !== wanted) return;
    let subscription: ReturnType<Session["subscribe"]>;
    try {
      subscription = session.subscribe(wanted.ref.namespace, wanted.ref.name, {
        into: wanted.into,
        priority: wanted.priority,
      });
    } catch (error) {
      this.#options.onTrack(wanted.trackId, "waiting", toErrorInfo(error));
      return;
    }
    wanted.current = subscription;
    subscription.ready.then(
      (info) => {
        // A session lost while the publisher started again never saw its subscription end, so the
        // new publication is told apart here: SUBSCRIBE_OK's largest group is below what the track
        // holds, or there is none yet. Its groups then start the track over, as below. (A publication
        // still live, seen again through a relay that holds nothing of it yet, only lets the previous
        // session's groups go at its next group, which is newer anyway.)
        const held = wanted.into.latestSequence;
        const newRun = held !== undefined && (info.largest === undefined || info.largest.group < held);
        if (newRun && !wanted.into.isClosed && !wanted.into.isEnded) wanted.into.startOver();
        wanted.backoff.reset();
        this.#options.onTrack(wanted.trackId, "active");
      },
      (error: unknown) => this.#options.onTrack(wanted.trackId, "waiting", toErrorInfo(error, "not-found")),
    );
    // The publisher may end the track (it left, or PUBLISH_DONE) or refuse it (not live yet): ask again
    // after a while for as long as the page wants the track and this session lives.
    void subscription.closed.then(() => {
      if (wanted.current !== subscription || session.isClosed || this.#closed) return;
      wanted.current = undefined;
      // Group IDs are only ordered within one publication (draft-14): a subscription the publisher
      // ended or refused is over, and the next SUBSCRIBE_OK is a new publication that may number from
      // 0 again (moq-dev's @moq/publish does at every start). So its first group starts the track over,
      // letting the previous run's groups go instead of refusing the new ones as duplicates or old.
      // Within one subscription (groups out of order or twice), or after a reconnect that found the
      // publication still live, held groups are kept and a group already held is still refused.
      if (!wanted.into.isClosed && !wanted.into.isEnded) wanted.into.startOver();
      this.#options.onTrack(wanted.trackId, "waiting");
      wanted.retry = setTimeout(() => {
        wanted.retry = undefined;
        if (this.#session === session) this.#subscribeOn(session, wanted);
      }, wanted.backoff.next());
    });
  }

  #setState(state: ConnectionState, error?: ErrorInfo): void {
    if (this.#state === "closed") return;
    this.#state = state;
    this.#options.onState(state, this.#sessions, error);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleeping = { timer, wake };
    });
  }

  #wake(): void {
    this.#sleeping?.wake();
  }
}

function namespaceKey(namespace: readonly string[]): string {
  return JSON.stringify(namespace);
}

function isFatal(error: unknown): boolean {
  if (error instanceof WorkerError) return error.code === "bad-request" || error.code === "unauthorized";
  return error instanceof SessionError && FATAL_SESSION_CODES.has(error.code);
}

function isFatalInfo(info: ErrorInfo): boolean {
  return (
    info.code === "unauthorized" ||
    (info.wireCode !== undefined && FATAL_SESSION_CODES.has(info.wireCode) && info.code !== "closed")
  );
}
