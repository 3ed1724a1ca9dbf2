// Value types shared by the control messages and the data streams.
import { EncodeError, violation } from "./error.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** An object's position in a track; ordered by group, then object. */
export interface Location {
  group: number;
  object: number;
}

/**
 * A Key-Value-Pair: an even type carries a varint value, an odd type a byte string of at most
 * 65535 bytes.
 */
export interface Parameter {
  type: number;
  value: number | Uint8Array;
}

/** A Track Namespace tuple: 1..32 byte fields (a namespace prefix may have 0..32). */
export type Namespace = readonly Uint8Array[];

export type TrackName = Uint8Array;

/** 0 = the publisher's order, 1 = ascending, 2 = descending. */
export type GroupOrder = 0 | 1 | 2;

export type SubscribeFilter =
  | { type: "next_group_start" }
  | { type: "largest_object" }
  | { type: "absolute_start"; start: Location }
  | { type: "absolute_range"; start: Location; endGroup: number };

export const ObjectStatus = {
  NORMAL: 0x0,
  DOES_NOT_EXIST: 0x1,
  END_OF_GROUP: 0x3,
  END_OF_TRACK: 0x4,
} as const;

export function isObjectStatus(value: number): boolean {
  return value === 0x0 || value === 0x1 || value === 0x3 || value === 0x4;
}

export function writeLocation(w: Writer, location: Location): void {
  w.varint(location.group).varint(location.object);
}

export function readLocation(r: Reader, what = "location"): Location {
  const group = r.varint(`${what} group`);
  const object = r.varint(`${what} object`);
  return { group, object };
}

/** Group Order as a u8 in 0..2 (`allowDefault` false: 1 or 2 only, as in the *_OK messages). */
export function writeGroupOrder(w: Writer, order: number, allowDefault: boolean): void {
  if (order !== 1 && order !== 2 && !(allowDefault && order === 0)) {
    throw new EncodeError(`group order must be ${allowDefault ? "0, 1 or 2" : "1 or 2"}, got ${order}`);
  }
  w.u8(order);
}

export function readGroupOrder(r: Reader, allowDefault: false): 1 | 2;
export function readGroupOrder(r: Reader, allowDefault: boolean): GroupOrder;
export function readGroupOrder(r: Reader, allowDefault: boolean): GroupOrder {
  const order = r.u8("group order");
  if (order === 1 || order === 2 || (allowDefault && order === 0)) return order;
  throw violation(`invalid group order ${order}`);
}

/** Publisher/subscriber priority: a u8. */
export function writePriority(w: Writer, priority: number): void {
  if (!Number.isInteger(priority) || priority < 0 || priority > 255) {
    throw new EncodeError(`priority must be an integer in 0..255, got ${priority}`);
  }
  w.u8(priority);
}

/** Reason Phrase: at most 1024 bytes of UTF-8. */
export const MAX_REASON_BYTES = 1024;

export function writeReason(w: Writer, reason: string): void {
  w.string(reason, MAX_REASON_BYTES);
}

export function readReason(r: Reader, limits: { readonly maxReasonBytes: number }): string {
  return r.string(limits.maxReasonBytes, "reason phrase");
}
