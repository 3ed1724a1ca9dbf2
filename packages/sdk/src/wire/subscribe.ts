// SUBSCRIBE (0x3), SUBSCRIBE_OK (0x4), SUBSCRIBE_ERROR (0x5), SUBSCRIBE_UPDATE (0x2) and
// UNSUBSCRIBE (0xA). TRACK_STATUS* reuse the field codecs exported here.
import { EncodeError, violation } from "./error.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { readFullTrackName, writeFullTrackName } from "./namespace.ts";
import { readParameters, writeParameters } from "./parameters.ts";
import type { Reader } from "./reader.ts";
import {
  type GroupOrder,
  type Location,
  type Namespace,
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
import type { Writer } from "./writer.ts";

export interface Subscribe {
  kind: "subscribe";
  requestId: number;
  namespace: Namespace;
  trackName: TrackName;
  /** 0..255, lower is more important. */
  subscriberPriority: number;
  groupOrder: GroupOrder;
  forward: boolean;
  filter: SubscribeFilter;
  parameters: Parameter[];
}

export interface SubscribeOk {
  kind: "subscribe_ok";
  requestId: number;
  trackAlias: number;
  /** Milliseconds; 0 = does not expire. */
  expires: number;
  groupOrder: 1 | 2;
  /** Absent when no object has been published (Content Exists = 0). */
  largest?: Location;
  parameters: Parameter[];
}

export interface SubscribeError {
  kind: "subscribe_error";
  requestId: number;
  /** A SubscribeErrorCode. */
  errorCode: number;
  reason: string;
}

export interface SubscribeUpdate {
  kind: "subscribe_update";
  requestId: number;
  subscriptionRequestId: number;
  start: Location;
  /** End group + 1, 0 = open-ended, as on the wire. */
  endGroup: number;
  subscriberPriority: number;
  forward: boolean;
  parameters: Parameter[];
}

export interface Unsubscribe {
  kind: "unsubscribe";
  requestId: number;
}

/** The fields of a message without its `kind` (shared by look-alike messages). */
export type Fields<T> = Omit<T, "kind">;

const FilterType = { next_group_start: 0x1, largest_object: 0x2, absolute_start: 0x3, absolute_range: 0x4 } as const;

/** Filter Type, [Start Location], [End Group]. */
export function writeFilter(w: Writer, filter: SubscribeFilter): void {
  const type = FilterType[filter.type];
  if (type === undefined) throw new EncodeError(`unknown filter type ${String(filter.type)}`);
  w.varint(type);
  if (filter.type === "absolute_start" || filter.type === "absolute_range") writeLocation(w, filter.start);
  if (filter.type === "absolute_range") w.varint(filter.endGroup);
}

export function readFilter(r: Reader): SubscribeFilter {
  const type = r.varint("filter type");
  switch (type) {
    case FilterType.next_group_start:
      return { type: "next_group_start" };
    case FilterType.largest_object:
      return { type: "largest_object" };
    case FilterType.absolute_start:
      return { type: "absolute_start", start: readLocation(r, "start") };
    case FilterType.absolute_range: {
      const start = readLocation(r, "start");
      return { type: "absolute_range", start, endGroup: r.varint("end group") };
    }
    default:
      throw violation(`unknown filter type ${type}`);
  }
}

/** Content Exists then, if 1, Largest Location. */
export function writeLargest(w: Writer, largest: Location | undefined): void {
  w.boolean(largest !== undefined);
  if (largest !== undefined) writeLocation(w, largest);
}

export function readLargest(r: Reader): Location | undefined {
  return r.boolean("content exists") ? readLocation(r, "largest location") : undefined;
}

export function writeSubscribeFields(w: Writer, m: Fields<Subscribe>): void {
  w.varint(m.requestId);
  writeFullTrackName(w, m.namespace, m.trackName);
  writePriority(w, m.subscriberPriority);
  writeGroupOrder(w, m.groupOrder, true);
  w.boolean(m.forward);
  writeFilter(w, m.filter);
  writeParameters(w, m.parameters);
}

export function readSubscribeFields(r: Reader, limits: WireLimits): Fields<Subscribe> {
  const requestId = r.varint("request ID");
  const { namespace, trackName } = readFullTrackName(r, limits);
  const subscriberPriority = r.u8("subscriber priority");
  const groupOrder = readGroupOrder(r, true);
  const forward = r.boolean("forward");
  const filter = readFilter(r);
  const parameters = readParameters(r, limits);
  return { requestId, namespace, trackName, subscriberPriority, groupOrder, forward, filter, parameters };
}

export function writeSubscribeOkFields(w: Writer, m: Fields<SubscribeOk>): void {
  w.varint(m.requestId).varint(m.trackAlias).varint(m.expires);
  writeGroupOrder(w, m.groupOrder, false);
  writeLargest(w, m.largest);
  writeParameters(w, m.parameters);
}

export function readSubscribeOkFields(r: Reader, limits: WireLimits): Fields<SubscribeOk> {
  const requestId = r.varint("request ID");
  const trackAlias = r.varint("track alias");
  const expires = r.varint("expires");
  const groupOrder = readGroupOrder(r, false);
  const largest = readLargest(r);
  const parameters = readParameters(r, limits);
  const fields: Fields<SubscribeOk> = { requestId, trackAlias, expires, groupOrder, parameters };
  if (largest !== undefined) fields.largest = largest;
  return fields;
}

/** Request ID, Error Code, Reason Phrase: every *_ERROR message. */
export function writeRequestErrorFields(w: Writer, m: { requestId: number; errorCode: number; reason: string }): void {
  w.varint(m.requestId).varint(m.errorCode);
  writeReason(w, m.reason);
}

export function readRequestErrorFields(
  r: Reader,
  limits: WireLimits,
): { requestId: number; errorCode: number; reason: string } {
  const requestId = r.varint("request ID");
  const errorCode = r.varint("error code");
  return { requestId, errorCode, reason: readReason(r, limits) };
}

export function encodeSubscribe(w: Writer, m: Subscribe): void {
  writeSubscribeFields(w, m);
}

export function decodeSubscribe(r: Reader, limits: WireLimits = DEFAULT_LIMITS): Subscribe {
  return { kind: "subscribe", ...readSubscribeFields(r, limits) };
}

export function encodeSubscribeOk(w: Writer, m: SubscribeOk): void {
  writeSubscribeOkFields(w, m);
}

export function decodeSubscribeOk(r: Reader, limits: WireLimits = DEFAULT_LIMITS): SubscribeOk {
  return { kind: "subscribe_ok", ...readSubscribeOkFields(r, limits) };
}

export function encodeSubscribeError(w: Writer, m: SubscribeError): void {
  writeRequestErrorFields(w, m);
}

export function decodeSubscribeError(r: Reader, limits: WireLimits = DEFAULT_LIMITS): SubscribeError {
  return { kind: "subscribe_error", ...readRequestErrorFields(r, limits) };
}

export function encodeSubscribeUpdate(w: Writer, m: SubscribeUpdate): void {
  w.varint(m.requestId).varint(m.subscriptionRequestId);
  writeLocation(w, m.start);
  w.varint(m.endGroup);
  writePriority(w, m.subscriberPriority);
  w.boolean(m.forward);
  writeParameters(w, m.parameters);
}

export function decodeSubscribeUpdate(r: Reader, limits: WireLimits = DEFAULT_LIMITS): SubscribeUpdate {
  const requestId = r.varint("request ID");
  const subscriptionRequestId = r.varint("subscription request ID");
  const start = readLocation(r, "start");
  const endGroup = r.varint("end group");
  const subscriberPriority = r.u8("subscriber priority");
  const forward = r.boolean("forward");
  const parameters = readParameters(r, limits);
  return {
    kind: "subscribe_update",
    requestId,
    subscriptionRequestId,
    start,
    endGroup,
    subscriberPriority,
    forward,
    parameters,
  };
}

export function encodeUnsubscribe(w: Writer, m: Unsubscribe): void {
  w.varint(m.requestId);
}

export function decodeUnsubscribe(r: Reader): Unsubscribe {
  return { kind: "unsubscribe", requestId: r.varint("request ID") };
}
