export { Broadcast, type TrackOptions } from "./broadcast.ts";
export { accept, type ConnectOptions, connect } from "./connect.ts";
export { RequestError, SessionArgumentError, SessionError } from "./errors.ts";
// describeNamespace, describeTrack, fullTrackKey: the relay names and keys tracks the way sessions do.
export {
  describeNamespace,
  describeTrack,
  fullTrackKey,
  type NamespaceInput,
  type TrackNameInput,
} from "./names.ts";
export { type NamespaceEvent, NamespaceWatcher } from "./namespace-watcher.ts";
export type {
  SubscribeIntoOptions,
  SubscribeOptions,
  SubscriptionUpdate,
  TrackStatusInfo,
} from "./options.ts";
export type { SubscriptionInfo } from "./receive.ts";
export { ReceiveLimitExceeded, ReceivePool } from "./receive-budget.ts";
export { DEFAULT_SEND_BURST_BYTES, SendRateLimit, type SendRateOptions } from "./send-rate.ts";
export type { FetchRange } from "./serve-fetch.ts";
export type { ServedTrack } from "./served-track.ts";
export {
  DEFAULT_MAX_RECEIVE_BUFFER_BYTES,
  DEFAULT_REQUEST_ID_TIMEOUT_MS,
  Session,
  type SessionHandler,
  type SessionOptions,
} from "./session.ts";
export { startClientSession, startServerSession } from "./setup.ts";
export { Subscription } from "./subscription.ts";
export type { MoqTransport, TransportBidirectionalStream, TransportSendStream } from "./transport.ts";
