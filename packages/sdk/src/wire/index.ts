// MoQ Transport draft-14 wire codec: every public name listed explicitly (the relay's HTTP/3 layer uses the varint
// and byte helpers too).
export { concatBytes } from "./bytes.ts";
export { type DataStreamHeader, readDataStreamHeader } from "./data-stream.ts";
export { decodeObjectDatagram, encodeObjectDatagram, isObjectDatagramType, type ObjectDatagram } from "./datagram.ts";
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
export {
  decodeFetch,
  decodeFetchCancel,
  decodeFetchError,
  decodeFetchOk,
  encodeFetch,
  encodeFetchCancel,
  encodeFetchError,
  encodeFetchOk,
  type Fetch,
  type FetchCancel,
  type FetchError,
  type FetchOk,
  type FetchRange,
  FetchType,
} from "./fetch.ts";
export {
  encodeFetchHeader,
  encodeFetchObjectHeader,
  FETCH_HEADER_TYPE,
  type FetchHeader,
  type FetchObject,
  readFetchHeader,
  readFetchObject,
} from "./fetch-stream.ts";
export { decodeGoAway, encodeGoAway, type GoAway } from "./goaway.ts";
export { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
export {
  type ControlMessage,
  type ControlMessageKind,
  decodeControlMessage,
  encodeControlMessage,
  MAX_MESSAGE_PAYLOAD,
  MessageType,
  messageType,
  readControlMessage,
} from "./message.ts";
export {
  isPrefix,
  namespaceFromStrings,
  namespaceKey,
  namespacesEqual,
  namespaceToStrings,
  readFullTrackName,
  readNamespace,
  readTrackName,
  writeFullTrackName,
  writeNamespace,
  writeTrackName,
} from "./namespace.ts";
export type { ObjectTail } from "./object-fields.ts";
export {
  bytesParameter,
  decodeExtensionHeaders,
  decodeToken,
  encodeExtensionHeaders,
  encodeToken,
  intParameter,
  MAX_PARAMETER_BYTES,
  MessageParameter,
  readKeyValuePair,
  readParameters,
  SetupParameter,
  type Token,
  TokenAliasType,
  writeKeyValuePair,
  writeParameters,
} from "./parameters.ts";
export {
  decodePublish,
  decodePublishError,
  decodePublishOk,
  encodePublish,
  encodePublishError,
  encodePublishOk,
  type Publish,
  type PublishError,
  type PublishOk,
} from "./publish.ts";
export { decodePublishDone, encodePublishDone, type PublishDone } from "./publish-done.ts";
export {
  decodePublishNamespace,
  decodePublishNamespaceCancel,
  decodePublishNamespaceDone,
  decodePublishNamespaceError,
  decodePublishNamespaceOk,
  encodePublishNamespace,
  encodePublishNamespaceCancel,
  encodePublishNamespaceDone,
  encodePublishNamespaceError,
  encodePublishNamespaceOk,
  type PublishNamespace,
  type PublishNamespaceCancel,
  type PublishNamespaceDone,
  type PublishNamespaceError,
  type PublishNamespaceOk,
} from "./publish-namespace.ts";
export { Reader } from "./reader.ts";
export {
  decodeMaxRequestId,
  decodeRequestsBlocked,
  encodeMaxRequestId,
  encodeRequestsBlocked,
  type MaxRequestId,
  type RequestsBlocked,
} from "./request-id.ts";
export {
  type ClientSetup,
  decodeClientSetup,
  decodeServerSetup,
  encodeClientSetup,
  encodeServerSetup,
  type ServerSetup,
} from "./setup.ts";
export { type ReadBudget, StreamReader } from "./stream-reader.ts";
export {
  encodeSubgroupHeader,
  encodeSubgroupObjectHeader,
  isSubgroupHeaderType,
  readSubgroupHeader,
  readSubgroupObject,
  type SubgroupHeader,
  type SubgroupObject,
} from "./subgroup.ts";
export {
  decodeSubscribe,
  decodeSubscribeError,
  decodeSubscribeOk,
  decodeSubscribeUpdate,
  decodeUnsubscribe,
  encodeSubscribe,
  encodeSubscribeError,
  encodeSubscribeOk,
  encodeSubscribeUpdate,
  encodeUnsubscribe,
  readFilter,
  readLargest,
  readRequestErrorFields,
  readSubscribeFields,
  readSubscribeOkFields,
  type Subscribe,
  type SubscribeError,
  type SubscribeOk,
  type SubscribeUpdate,
  type Unsubscribe,
  writeFilter,
  writeLargest,
  writeRequestErrorFields,
  writeSubscribeFields,
  writeSubscribeOkFields,
} from "./subscribe.ts";
export {
  decodeSubscribeNamespace,
  decodeSubscribeNamespaceError,
  decodeSubscribeNamespaceOk,
  decodeUnsubscribeNamespace,
  encodeSubscribeNamespace,
  encodeSubscribeNamespaceError,
  encodeSubscribeNamespaceOk,
  encodeUnsubscribeNamespace,
  type SubscribeNamespace,
  type SubscribeNamespaceError,
  type SubscribeNamespaceOk,
  type UnsubscribeNamespace,
} from "./subscribe-namespace.ts";
export {
  decodeTrackStatus,
  decodeTrackStatusError,
  decodeTrackStatusOk,
  encodeTrackStatus,
  encodeTrackStatusError,
  encodeTrackStatusOk,
  type TrackStatus,
  type TrackStatusError,
  type TrackStatusOk,
} from "./track-status.ts";
export {
  type GroupOrder,
  isObjectStatus,
  type Location,
  MAX_REASON_BYTES,
  type Namespace,
  ObjectStatus,
  type Parameter,
  readGroupOrder,
  readLocation,
  readReason,
  type SubscribeFilter,
  type TrackName,
  writeGroupOrder,
  writeLocation,
  writePriority,
  writeReason,
} from "./types.ts";
export {
  encodeVarint,
  MAX_VARINT,
  readVarint,
  VarintRangeError,
  varintLength,
  varintLengthFromFirstByte,
  writeVarint,
} from "./varint.ts";
export { DRAFT_14, SUPPORTED_VERSIONS } from "./version.ts";
export { Writer } from "./writer.ts";
