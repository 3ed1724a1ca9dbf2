// PUBLISH_NAMESPACE (0x6), PUBLISH_NAMESPACE_OK (0x7), PUBLISH_NAMESPACE_ERROR (0x8),
// PUBLISH_NAMESPACE_DONE (0x9) and PUBLISH_NAMESPACE_CANCEL (0xC).
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { readNamespace, writeNamespace } from "./namespace.ts";
import { readParameters, writeParameters } from "./parameters.ts";
import type { Reader } from "./reader.ts";
import { readRequestErrorFields, writeRequestErrorFields } from "./subscribe.ts";
import { type Namespace, type Parameter, readReason, writeReason } from "./types.ts";
import type { Writer } from "./writer.ts";

export interface PublishNamespace {
  kind: "publish_namespace";
  requestId: number;
  namespace: Namespace;
  parameters: Parameter[];
}

export interface PublishNamespaceOk {
  kind: "publish_namespace_ok";
  requestId: number;
}

export interface PublishNamespaceError {
  kind: "publish_namespace_error";
  requestId: number;
  /** A PublishNamespaceErrorCode. */
  errorCode: number;
  reason: string;
}

export interface PublishNamespaceDone {
  kind: "publish_namespace_done";
  namespace: Namespace;
}

export interface PublishNamespaceCancel {
  kind: "publish_namespace_cancel";
  namespace: Namespace;
  /** A PublishNamespaceErrorCode. */
  errorCode: number;
  reason: string;
}

export function encodePublishNamespace(w: Writer, m: PublishNamespace): void {
  w.varint(m.requestId);
  writeNamespace(w, m.namespace);
  writeParameters(w, m.parameters);
}

export function decodePublishNamespace(r: Reader, limits: WireLimits = DEFAULT_LIMITS): PublishNamespace {
  const requestId = r.varint("request ID");
  const namespace = readNamespace(r, limits);
  return { kind: "publish_namespace", requestId, namespace, parameters: readParameters(r, limits) };
}

export function encodePublishNamespaceOk(w: Writer, m: PublishNamespaceOk): void {
  w.varint(m.requestId);
}

export function decodePublishNamespaceOk(r: Reader): PublishNamespaceOk {
  return { kind: "publish_namespace_ok", requestId: r.varint("request ID") };
}

export function encodePublishNamespaceError(w: Writer, m: PublishNamespaceError): void {
  writeRequestErrorFields(w, m);
}

export function decodePublishNamespaceError(r: Reader, limits: WireLimits = DEFAULT_LIMITS): PublishNamespaceError {
  return { kind: "publish_namespace_error", ...readRequestErrorFields(r, limits) };
}

export function encodePublishNamespaceDone(w: Writer, m: PublishNamespaceDone): void {
  writeNamespace(w, m.namespace);
}

export function decodePublishNamespaceDone(r: Reader, limits: WireLimits = DEFAULT_LIMITS): PublishNamespaceDone {
  return { kind: "publish_namespace_done", namespace: readNamespace(r, limits) };
}

export function encodePublishNamespaceCancel(w: Writer, m: PublishNamespaceCancel): void {
  writeNamespace(w, m.namespace);
  w.varint(m.errorCode);
  writeReason(w, m.reason);
}

export function decodePublishNamespaceCancel(r: Reader, limits: WireLimits = DEFAULT_LIMITS): PublishNamespaceCancel {
  const namespace = readNamespace(r, limits);
  const errorCode = r.varint("error code");
  return { kind: "publish_namespace_cancel", namespace, errorCode, reason: readReason(r, limits) };
}
