// MoQ Transport draft-14 wire codec.
export { concatBytes } from "./bytes.ts";
export * from "./data-stream.ts";
export * from "./datagram.ts";
export {
  EncodeError,
  FetchErrorCode,
  ProtocolViolation,
  PublishDoneCode,
  PublishErrorCode,
  PublishNamespaceErrorCode,
  SessionErrorCode,
  StreamEndedEarly,
  StreamResetCode,
  SubscribeErrorCode,
  SubscribeNamespaceErrorCode,
} from "./error.ts";
export * from "./fetch.ts";
export * from "./fetch-stream.ts";
export * from "./goaway.ts";
export * from "./limits.ts";
export * from "./message.ts";
export * from "./namespace.ts";
export type { ObjectTail } from "./object-fields.ts";
export * from "./parameters.ts";
export * from "./publish.ts";
export * from "./publish-done.ts";
export * from "./publish-namespace.ts";
export * from "./reader.ts";
export * from "./request-id.ts";
export * from "./setup.ts";
export * from "./stream-reader.ts";
export * from "./subgroup.ts";
export * from "./subscribe.ts";
export * from "./subscribe-namespace.ts";
export * from "./track-status.ts";
export * from "./types.ts";
export { encodeVarint, MAX_VARINT, readVarint, VarintRangeError, varintLength, writeVarint } from "./varint.ts";
export * from "./version.ts";
export * from "./writer.ts";
