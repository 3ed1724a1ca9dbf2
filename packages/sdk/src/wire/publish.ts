// PUBLISH (0x1D), PUBLISH_OK (0x1E) and PUBLISH_ERROR (0x1F). The draft's figures give these a
// "Length (i)"; that is a typo: like every control message they use the 16-bit length (as
// moq-dev does), which message.ts applies to all.
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { readFullTrackName, writeFullTrackName } from "./namespace.ts";
import { readParameters, writeParameters } from "./parameters.ts";
import type { Reader } from "./reader.ts";
import {
  readFilter,
  readLargest,
  readRequestErrorFields,
  writeFilter,
  writeLargest,
  writeRequestErrorFields,
} from "./subscribe.ts";
import {
  type GroupOrder,
  type Location,
  type Namespace,
  type Parameter,
  readGroupOrder,
  type SubscribeFilter,
  type TrackName,
  writeGroupOrder,
  writePriority,
} from "./types.ts";
import type { Writer } from "./writer.ts";

export interface Publish {
  kind: "publish";
  requestId: number;
  namespace: Namespace;
  trackName: TrackName;
  trackAlias: number;
  groupOrder: 1 | 2;
  /** Absent when no object has been published (Content Exists = 0). */
  largest?: Location;
  forward: boolean;
  parameters: Parameter[];
}

export interface PublishOk {
  kind: "publish_ok";
  requestId: number;
  forward: boolean;
  subscriberPriority: number;
  /**
   * The draft calls 0 a protocol error here, but 0 ("the publisher's order") is a meaningful
   * answer and the other u8 enums of this codec accept it, so it is accepted; the session decides.
   */
  groupOrder: GroupOrder;
  filter: SubscribeFilter;
  parameters: Parameter[];
}

export interface PublishError {
  kind: "publish_error";
  requestId: number;
  /** A PublishErrorCode. */
  errorCode: number;
  reason: string;
}

export function encodePublish(w: Writer, m: Publish): void {
  w.varint(m.requestId);
  writeFullTrackName(w, m.namespace, m.trackName);
  w.varint(m.trackAlias);
  writeGroupOrder(w, m.groupOrder, false);
  writeLargest(w, m.largest);
  w.boolean(m.forward);
  writeParameters(w, m.parameters);
}

export function decodePublish(r: Reader, limits: WireLimits = DEFAULT_LIMITS): Publish {
  const requestId = r.varint("request ID");
  const { namespace, trackName } = readFullTrackName(r, limits);
  const trackAlias = r.varint("track alias");
  const groupOrder = readGroupOrder(r, false);
  const largest = readLargest(r);
  const forward = r.boolean("forward");
  const parameters = readParameters(r, limits);
  const m: Publish = { kind: "publish", requestId, namespace, trackName, trackAlias, groupOrder, forward, parameters };
  if (largest !== undefined) m.largest = largest;
  return m;
}

export function encodePublishOk(w: Writer, m: PublishOk): void {
  w.varint(m.requestId);
  w.boolean(m.forward);
  writePriority(w, m.subscriberPriority);
  writeGroupOrder(w, m.groupOrder, true);
  writeFilter(w, m.filter);
  writeParameters(w, m.parameters);
}

export function decodePublishOk(r: Reader, limits: WireLimits = DEFAULT_LIMITS): PublishOk {
  const requestId = r.varint("request ID");
  const forward = r.boolean("forward");
  const subscriberPriority = r.u8("subscriber priority");
  const groupOrder = readGroupOrder(r, true);
  const filter = readFilter(r);
  const parameters = readParameters(r, limits);
  return { kind: "publish_ok", requestId, forward, subscriberPriority, groupOrder, filter, parameters };
}

export function encodePublishError(w: Writer, m: PublishError): void {
  writeRequestErrorFields(w, m);
}

export function decodePublishError(r: Reader, limits: WireLimits = DEFAULT_LIMITS): PublishError {
  return { kind: "publish_error", ...readRequestErrorFields(r, limits) };
}
