// FETCH (0x16), FETCH_OK (0x18), FETCH_ERROR (0x19) and FETCH_CANCEL (0x17).
import { EncodeError, violation } from "./error.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { readFullTrackName, writeFullTrackName } from "./namespace.ts";
import { readParameters, writeParameters } from "./parameters.ts";
import type { Reader } from "./reader.ts";
import { readRequestErrorFields, writeRequestErrorFields } from "./subscribe.ts";
import {
  type GroupOrder,
  type Location,
  type Namespace,
  type Parameter,
  readGroupOrder,
  readLocation,
  type TrackName,
  writeGroupOrder,
  writeLocation,
  writePriority,
} from "./types.ts";
import type { Writer } from "./writer.ts";

export type FetchRange =
  | {
      type: "standalone";
      namespace: Namespace;
      trackName: TrackName;
      start: Location;
      /** End Location plus 1; object 0 = the whole end group, as on the wire. */
      end: Location;
    }
  | {
      type: "relative_joining" | "absolute_joining";
      joiningRequestId: number;
      /** Groups before the subscription's largest (relative) or a group ID (absolute). */
      joiningStart: number;
    };

export interface Fetch {
  kind: "fetch";
  requestId: number;
  subscriberPriority: number;
  groupOrder: GroupOrder;
  fetch: FetchRange;
  parameters: Parameter[];
}

export interface FetchOk {
  kind: "fetch_ok";
  requestId: number;
  groupOrder: 1 | 2;
  endOfTrack: boolean;
  end: Location;
  parameters: Parameter[];
}

export interface FetchError {
  kind: "fetch_error";
  requestId: number;
  /** A FetchErrorCode. */
  errorCode: number;
  reason: string;
}

export interface FetchCancel {
  kind: "fetch_cancel";
  requestId: number;
}

export const FetchType = { STANDALONE: 0x1, RELATIVE_JOINING: 0x2, ABSOLUTE_JOINING: 0x3 } as const;

export function encodeFetch(w: Writer, m: Fetch): void {
  w.varint(m.requestId);
  writePriority(w, m.subscriberPriority);
  writeGroupOrder(w, m.groupOrder, true);
  const f = m.fetch;
  switch (f.type) {
    case "standalone":
      w.varint(FetchType.STANDALONE);
      writeFullTrackName(w, f.namespace, f.trackName);
      writeLocation(w, f.start);
      writeLocation(w, f.end);
      break;
    case "relative_joining":
    case "absolute_joining":
      w.varint(f.type === "relative_joining" ? FetchType.RELATIVE_JOINING : FetchType.ABSOLUTE_JOINING);
      w.varint(f.joiningRequestId).varint(f.joiningStart);
      break;
    default:
      throw new EncodeError(`unknown fetch type ${(f as { type: unknown }).type}`);
  }
  writeParameters(w, m.parameters);
}

export function decodeFetch(r: Reader, limits: WireLimits = DEFAULT_LIMITS): Fetch {
  const requestId = r.varint("request ID");
  const subscriberPriority = r.u8("subscriber priority");
  const groupOrder = readGroupOrder(r, true);
  const type = r.varint("fetch type");
  let fetch: FetchRange;
  switch (type) {
    case FetchType.STANDALONE: {
      const { namespace, trackName } = readFullTrackName(r, limits);
      const start = readLocation(r, "start");
      const end = readLocation(r, "end");
      fetch = { type: "standalone", namespace, trackName, start, end };
      break;
    }
    case FetchType.RELATIVE_JOINING:
    case FetchType.ABSOLUTE_JOINING: {
      const joiningRequestId = r.varint("joining request ID");
      const joiningStart = r.varint("joining start");
      const joining = type === FetchType.RELATIVE_JOINING ? "relative_joining" : "absolute_joining";
      fetch = { type: joining, joiningRequestId, joiningStart };
      break;
    }
    default:
      throw violation(`unknown fetch type ${type}`);
  }
  return { kind: "fetch", requestId, subscriberPriority, groupOrder, fetch, parameters: readParameters(r, limits) };
}

export function encodeFetchOk(w: Writer, m: FetchOk): void {
  w.varint(m.requestId);
  writeGroupOrder(w, m.groupOrder, false);
  w.boolean(m.endOfTrack);
  writeLocation(w, m.end);
  writeParameters(w, m.parameters);
}

export function decodeFetchOk(r: Reader, limits: WireLimits = DEFAULT_LIMITS): FetchOk {
  const requestId = r.varint("request ID");
  const groupOrder = readGroupOrder(r, false);
  const endOfTrack = r.boolean("end of track");
  const end = readLocation(r, "end");
  return { kind: "fetch_ok", requestId, groupOrder, endOfTrack, end, parameters: readParameters(r, limits) };
}

export function encodeFetchError(w: Writer, m: FetchError): void {
  writeRequestErrorFields(w, m);
}

export function decodeFetchError(r: Reader, limits: WireLimits = DEFAULT_LIMITS): FetchError {
  return { kind: "fetch_error", ...readRequestErrorFields(r, limits) };
}

export function encodeFetchCancel(w: Writer, m: FetchCancel): void {
  w.varint(m.requestId);
}

export function decodeFetchCancel(r: Reader): FetchCancel {
  return { kind: "fetch_cancel", requestId: r.varint("request ID") };
}
