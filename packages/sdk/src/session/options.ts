// What a session is configured with, and the hooks that answer the peer's requests.
import type { TrackSubscriber } from "../cache/index.ts";
import type { Location, Namespace, SubscribeFilter, TrackName, WireLimits } from "../wire/index.ts";
import type { SessionError } from "./errors.ts";
import type { ServedTrack } from "./served-track.ts";
import type { Session } from "./session.ts";

/** What an application or the relay plugs in to answer the peer's requests. Throw RequestError to refuse. */
export interface SessionHandler {
  /** The peer publishes a namespace (PUBLISH_NAMESPACE). */
  publishNamespace?(session: Session, namespace: Namespace): void | Promise<void>;
  /** The peer stopped publishing it (PUBLISH_NAMESPACE_DONE), or the session ended. */
  publishNamespaceDone?(session: Session, namespace: Namespace): void;
  /** The peer wants the namespaces under `prefix` (SUBSCRIBE_NAMESPACE); announce them with session.publish(). */
  subscribeNamespace?(session: Session, prefix: Namespace): void | Promise<void>;
  unsubscribeNamespace?(session: Session, prefix: Namespace): void;
  /** A track this session does not publish itself: the relay's routing. */
  resolveTrack?(session: Session, namespace: Namespace, name: TrackName): Promise<ServedTrack>;
  /** The peer pushes a track (PUBLISH). Without this hook PUBLISH is refused. */
  publish?(session: Session, namespace: Namespace, name: TrackName, track: TrackSubscriber): void;
  /** The session ended (after its state is torn down). */
  closed?(session: Session, error: SessionError): void;
}

export interface SessionOptions {
  /** Requests the peer may have open at once (its MAX_REQUEST_ID credit). Default 100. */
  maxRequests?: number;
  /** Sent as the MOQT IMPLEMENTATION setup parameter. */
  implementation?: string;
  /** How long received groups stay in our cache when the publisher does not say (ms). Default 10 000. */
  cacheDurationMs?: number;
  /** How long to wait for the peer's SETUP (ms). Default 10 000. */
  setupTimeoutMs?: number;
  handler?: SessionHandler;
  limits?: Partial<
    Omit<WireLimits, "maxNamespaceFields" | "maxFullTrackNameBytes" | "maxReasonBytes" | "maxGoAwayUriBytes">
  >;
  /** Diagnostics (protocol violations, refused requests). */
  log?: (line: string) => void;
  /** Client: a token for the server, sent as the AUTHORIZATION TOKEN setup parameter (USE_VALUE, type 0). */
  authorizationToken?: string;
  /**
   * Server: decides from the client's AUTHORIZATION TOKEN values (those sent by value) whether the
   * session may proceed; false closes it with UNAUTHORIZED before SERVER_SETUP.
   */
  authorize?: (tokens: string[]) => boolean;
}

export interface SubscribeOptions {
  /** 0..255, lower is more important. Default 128. */
  priority?: number;
  /** 0 publisher's choice (default), 1 oldest first, 2 newest first. */
  groupOrder?: 0 | 1 | 2;
  /** Default: the latest group, then everything new. */
  filter?: SubscribeFilter;
  /**
   * DELIVERY TIMEOUT (ms): the publisher stops sending a group this long after it started (it would
   * be stale). Default: the publisher's own limit (each group's time to live).
   */
  deliveryTimeoutMs?: number;
}

export interface TrackStatusInfo {
  groupOrder: 1 | 2;
  largest: Location | undefined;
}
