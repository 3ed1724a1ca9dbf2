export { Broadcast, type TrackOptions } from "./broadcast.ts";
export { accept, type ConnectOptions, connect } from "./connect.ts";
export { RequestError, SessionArgumentError, SessionError } from "./errors.ts";
export type { NamespaceInput, TrackNameInput } from "./names.ts";
export { type NamespaceEvent, NamespaceWatcher } from "./namespace-watcher.ts";
export type { SubscriptionInfo } from "./receive.ts";
export type { FetchRange } from "./serve-fetch.ts";
export type { ServedTrack } from "./served-track.ts";
export {
  Session,
  type SessionHandler,
  type SessionOptions,
  type SubscribeOptions,
  startClientSession,
  startServerSession,
  type TrackStatusInfo,
} from "./session.ts";
export type { MoqTransport, TransportBidirectionalStream, TransportSendStream } from "./transport.ts";
