// SUBSCRIBE_NAMESPACE (0x11), SUBSCRIBE_NAMESPACE_OK (0x12), SUBSCRIBE_NAMESPACE_ERROR (0x13) and
// UNSUBSCRIBE_NAMESPACE (0x14).
//
// The draft forbids an empty Track Namespace Prefix, but the decoders accept one: "every
// namespace" is a meaningful request, and whether to allow it is the session's (or relay's)
// policy, not the codec's. Encoders accept it too.
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { readNamespace, writeNamespace } from "./namespace.ts";
import { readParameters, writeParameters } from "./parameters.ts";
import type { Reader } from "./reader.ts";
import { readRequestErrorFields, writeRequestErrorFields } from "./subscribe.ts";
import type { Namespace, Parameter } from "./types.ts";
import type { Writer } from "./writer.ts";

export interface SubscribeNamespace {
  kind: "subscribe_namespace";
  requestId: number;
  /** 0..32 fields (see above). */
  namespacePrefix: Namespace;
  parameters: Parameter[];
}

export interface SubscribeNamespaceOk {
  kind: "subscribe_namespace_ok";
  requestId: number;
}

export interface SubscribeNamespaceError {
  kind: "subscribe_namespace_error";
  requestId: number;
  /** A SubscribeNamespaceErrorCode. */
  errorCode: number;
  reason: string;
}

export interface UnsubscribeNamespace {
  kind: "unsubscribe_namespace";
  namespacePrefix: Namespace;
}

const PREFIX = { prefix: true } as const;

export function encodeSubscribeNamespace(w: Writer, m: SubscribeNamespace): void {
  w.varint(m.requestId);
  writeNamespace(w, m.namespacePrefix, PREFIX);
  writeParameters(w, m.parameters);
}

export function decodeSubscribeNamespace(r: Reader, limits: WireLimits = DEFAULT_LIMITS): SubscribeNamespace {
  const requestId = r.varint("request ID");
  const namespacePrefix = readNamespace(r, limits, PREFIX);
  return { kind: "subscribe_namespace", requestId, namespacePrefix, parameters: readParameters(r, limits) };
}

export function encodeSubscribeNamespaceOk(w: Writer, m: SubscribeNamespaceOk): void {
  w.varint(m.requestId);
}

export function decodeSubscribeNamespaceOk(r: Reader): SubscribeNamespaceOk {
  return { kind: "subscribe_namespace_ok", requestId: r.varint("request ID") };
}

export function encodeSubscribeNamespaceError(w: Writer, m: SubscribeNamespaceError): void {
  writeRequestErrorFields(w, m);
}

export function decodeSubscribeNamespaceError(r: Reader, limits: WireLimits = DEFAULT_LIMITS): SubscribeNamespaceError {
  return { kind: "subscribe_namespace_error", ...readRequestErrorFields(r, limits) };
}

export function encodeUnsubscribeNamespace(w: Writer, m: UnsubscribeNamespace): void {
  writeNamespace(w, m.namespacePrefix, PREFIX);
}

export function decodeUnsubscribeNamespace(r: Reader, limits: WireLimits = DEFAULT_LIMITS): UnsubscribeNamespace {
  return { kind: "unsubscribe_namespace", namespacePrefix: readNamespace(r, limits, PREFIX) };
}
