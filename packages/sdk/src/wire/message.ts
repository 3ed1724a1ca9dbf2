// Control message framing: Message Type (i), Message Length (16), Message Payload. Every draft-14
// control message uses the 16-bit length, including PUBLISH, PUBLISH_OK and PUBLISH_ERROR (whose
// figures in the draft say "Length (i)", a typo; moq-dev frames them with 16 bits too).
import { EncodeError, violation } from "./error.ts";
import {
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
} from "./fetch.ts";
import { decodeGoAway, encodeGoAway, type GoAway } from "./goaway.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import {
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
import { decodePublishDone, encodePublishDone, type PublishDone } from "./publish-done.ts";
import {
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
import { Reader } from "./reader.ts";
import {
  decodeMaxRequestId,
  decodeRequestsBlocked,
  encodeMaxRequestId,
  encodeRequestsBlocked,
  type MaxRequestId,
  type RequestsBlocked,
} from "./request-id.ts";
import {
  type ClientSetup,
  decodeClientSetup,
  decodeServerSetup,
  encodeClientSetup,
  encodeServerSetup,
  type ServerSetup,
} from "./setup.ts";
import type { StreamReader } from "./stream-reader.ts";
import {
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
  type Subscribe,
  type SubscribeError,
  type SubscribeOk,
  type SubscribeUpdate,
  type Unsubscribe,
} from "./subscribe.ts";
import {
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
import {
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
import { Writer } from "./writer.ts";

export const MessageType = {
  CLIENT_SETUP: 0x20,
  SERVER_SETUP: 0x21,
  GOAWAY: 0x10,
  MAX_REQUEST_ID: 0x15,
  REQUESTS_BLOCKED: 0x1a,
  SUBSCRIBE: 0x3,
  SUBSCRIBE_OK: 0x4,
  SUBSCRIBE_ERROR: 0x5,
  SUBSCRIBE_UPDATE: 0x2,
  UNSUBSCRIBE: 0xa,
  PUBLISH_DONE: 0xb,
  PUBLISH: 0x1d,
  PUBLISH_OK: 0x1e,
  PUBLISH_ERROR: 0x1f,
  FETCH: 0x16,
  FETCH_OK: 0x18,
  FETCH_ERROR: 0x19,
  FETCH_CANCEL: 0x17,
  TRACK_STATUS: 0xd,
  TRACK_STATUS_OK: 0xe,
  TRACK_STATUS_ERROR: 0xf,
  PUBLISH_NAMESPACE: 0x6,
  PUBLISH_NAMESPACE_OK: 0x7,
  PUBLISH_NAMESPACE_ERROR: 0x8,
  PUBLISH_NAMESPACE_DONE: 0x9,
  PUBLISH_NAMESPACE_CANCEL: 0xc,
  SUBSCRIBE_NAMESPACE: 0x11,
  SUBSCRIBE_NAMESPACE_OK: 0x12,
  SUBSCRIBE_NAMESPACE_ERROR: 0x13,
  UNSUBSCRIBE_NAMESPACE: 0x14,
} as const;

/** Longest Message Payload (the 16-bit length). */
export const MAX_MESSAGE_PAYLOAD = 0xffff;

export type ControlMessage =
  | ClientSetup
  | ServerSetup
  | GoAway
  | MaxRequestId
  | RequestsBlocked
  | Subscribe
  | SubscribeOk
  | SubscribeError
  | SubscribeUpdate
  | Unsubscribe
  | PublishDone
  | Publish
  | PublishOk
  | PublishError
  | Fetch
  | FetchOk
  | FetchError
  | FetchCancel
  | TrackStatus
  | TrackStatusOk
  | TrackStatusError
  | PublishNamespace
  | PublishNamespaceOk
  | PublishNamespaceError
  | PublishNamespaceDone
  | PublishNamespaceCancel
  | SubscribeNamespace
  | SubscribeNamespaceOk
  | SubscribeNamespaceError
  | UnsubscribeNamespace;

export type ControlMessageKind = ControlMessage["kind"];

interface Codec<M extends ControlMessage> {
  type: number;
  encode(w: Writer, m: M): void;
  decode(r: Reader, limits: WireLimits): M;
}

type Codecs = { [K in ControlMessageKind]: Codec<Extract<ControlMessage, { kind: K }>> };

const CODECS: Codecs = {
  client_setup: { type: MessageType.CLIENT_SETUP, encode: encodeClientSetup, decode: decodeClientSetup },
  server_setup: { type: MessageType.SERVER_SETUP, encode: encodeServerSetup, decode: decodeServerSetup },
  goaway: { type: MessageType.GOAWAY, encode: encodeGoAway, decode: decodeGoAway },
  max_request_id: { type: MessageType.MAX_REQUEST_ID, encode: encodeMaxRequestId, decode: decodeMaxRequestId },
  requests_blocked: {
    type: MessageType.REQUESTS_BLOCKED,
    encode: encodeRequestsBlocked,
    decode: decodeRequestsBlocked,
  },
  subscribe: { type: MessageType.SUBSCRIBE, encode: encodeSubscribe, decode: decodeSubscribe },
  subscribe_ok: { type: MessageType.SUBSCRIBE_OK, encode: encodeSubscribeOk, decode: decodeSubscribeOk },
  subscribe_error: { type: MessageType.SUBSCRIBE_ERROR, encode: encodeSubscribeError, decode: decodeSubscribeError },
  subscribe_update: {
    type: MessageType.SUBSCRIBE_UPDATE,
    encode: encodeSubscribeUpdate,
    decode: decodeSubscribeUpdate,
  },
  unsubscribe: { type: MessageType.UNSUBSCRIBE, encode: encodeUnsubscribe, decode: decodeUnsubscribe },
  publish_done: { type: MessageType.PUBLISH_DONE, encode: encodePublishDone, decode: decodePublishDone },
  publish: { type: MessageType.PUBLISH, encode: encodePublish, decode: decodePublish },
  publish_ok: { type: MessageType.PUBLISH_OK, encode: encodePublishOk, decode: decodePublishOk },
  publish_error: { type: MessageType.PUBLISH_ERROR, encode: encodePublishError, decode: decodePublishError },
  fetch: { type: MessageType.FETCH, encode: encodeFetch, decode: decodeFetch },
  fetch_ok: { type: MessageType.FETCH_OK, encode: encodeFetchOk, decode: decodeFetchOk },
  fetch_error: { type: MessageType.FETCH_ERROR, encode: encodeFetchError, decode: decodeFetchError },
  fetch_cancel: { type: MessageType.FETCH_CANCEL, encode: encodeFetchCancel, decode: decodeFetchCancel },
  track_status: { type: MessageType.TRACK_STATUS, encode: encodeTrackStatus, decode: decodeTrackStatus },
  track_status_ok: { type: MessageType.TRACK_STATUS_OK, encode: encodeTrackStatusOk, decode: decodeTrackStatusOk },
  track_status_error: {
    type: MessageType.TRACK_STATUS_ERROR,
    encode: encodeTrackStatusError,
    decode: decodeTrackStatusError,
  },
  publish_namespace: {
    type: MessageType.PUBLISH_NAMESPACE,
    encode: encodePublishNamespace,
    decode: decodePublishNamespace,
  },
  publish_namespace_ok: {
    type: MessageType.PUBLISH_NAMESPACE_OK,
    encode: encodePublishNamespaceOk,
    decode: decodePublishNamespaceOk,
  },
  publish_namespace_error: {
    type: MessageType.PUBLISH_NAMESPACE_ERROR,
    encode: encodePublishNamespaceError,
    decode: decodePublishNamespaceError,
  },
  publish_namespace_done: {
    type: MessageType.PUBLISH_NAMESPACE_DONE,
    encode: encodePublishNamespaceDone,
    decode: decodePublishNamespaceDone,
  },
  publish_namespace_cancel: {
    type: MessageType.PUBLISH_NAMESPACE_CANCEL,
    encode: encodePublishNamespaceCancel,
    decode: decodePublishNamespaceCancel,
  },
  subscribe_namespace: {
    type: MessageType.SUBSCRIBE_NAMESPACE,
    encode: encodeSubscribeNamespace,
    decode: decodeSubscribeNamespace,
  },
  subscribe_namespace_ok: {
    type: MessageType.SUBSCRIBE_NAMESPACE_OK,
    encode: encodeSubscribeNamespaceOk,
    decode: decodeSubscribeNamespaceOk,
  },
  subscribe_namespace_error: {
    type: MessageType.SUBSCRIBE_NAMESPACE_ERROR,
    encode: encodeSubscribeNamespaceError,
    decode: decodeSubscribeNamespaceError,
  },
  unsubscribe_namespace: {
    type: MessageType.UNSUBSCRIBE_NAMESPACE,
    encode: encodeUnsubscribeNamespace,
    decode: decodeUnsubscribeNamespace,
  },
};

/** The decoders by wire type. A Map: a plain object would answer "constructor" and friends. */
const DECODERS = new Map<number, (r: Reader, limits: WireLimits) => ControlMessage>(
  Object.values(CODECS).map((codec: Codec<ControlMessage>) => [codec.type, codec.decode]),
);

/** The wire type of a message kind. */
export function messageType(kind: ControlMessageKind): number {
  return CODECS[kind].type;
}

/** Type, 16-bit length and payload; EncodeError if the payload exceeds 65535 bytes or a field is invalid. */
export function encodeControlMessage(message: ControlMessage): Uint8Array {
  const codec = CODECS[message.kind] as Codec<ControlMessage> | undefined;
  if (codec === undefined) throw new EncodeError(`unknown control message kind ${String(message.kind)}`);
  const payload = new Writer();
  codec.encode(payload, message);
  if (payload.length > MAX_MESSAGE_PAYLOAD) {
    throw new EncodeError(`${message.kind} payload of ${payload.length} bytes exceeds ${MAX_MESSAGE_PAYLOAD}`);
  }
  return new Writer(payload.length + 10).varint(codec.type).u16(payload.length).bytes(payload.finish()).finish();
}

/** Decodes one payload; it must be consumed exactly. */
export function decodeControlMessage(
  type: number,
  payload: Uint8Array,
  limits: WireLimits = DEFAULT_LIMITS,
): ControlMessage {
  const decode = DECODERS.get(type);
  if (decode === undefined) throw violation(`unknown control message type 0x${type.toString(16)}`);
  const r = new Reader(payload);
  const message = decode(r, limits);
  r.done();
  return message;
}

/**
 * Reads the next control message, or undefined when the stream ends cleanly before one starts.
 * An unknown type is refused before its payload is read.
 */
export async function readControlMessage(
  reader: StreamReader,
  limits: WireLimits = DEFAULT_LIMITS,
): Promise<ControlMessage | undefined> {
  if (await reader.atEnd()) return undefined;
  const type = await reader.varint("message type");
  if (!DECODERS.has(type)) throw violation(`unknown control message type 0x${type.toString(16)}`);
  const length = await reader.bytes(2, "message length");
  const payload = await reader.bytes(((length[0] as number) << 8) | (length[1] as number), "message payload");
  return decodeControlMessage(type, payload, limits);
}
