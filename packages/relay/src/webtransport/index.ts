export { type ConnectOptions, connect } from "./client.ts";
export { DEFAULT_LIMITS, type WebTransportLimits } from "./connection.ts";
export { H3, http3CodeToWebTransport, webTransportCodeToHttp3 } from "./errors.ts";
export { DEFAULT_SERVER_LIMITS, type ListenOptions, listen, type ServerLimits, WebTransportServer } from "./server.ts";
export {
  type WebTransportBidirectionalStream,
  type WebTransportCloseInfo,
  WebTransportSession,
  WebTransportSessionError,
  WebTransportStreamError,
} from "./session.ts";
export { SendStream } from "./streams.ts";
