// FETCH_HEADER (stream type 0x05) and the fetch objects that follow it.
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { type ObjectTail, readObjectTail, writeObjectTail } from "./object-fields.ts";
import type { StreamReader } from "./stream-reader.ts";
import { writePriority } from "./types.ts";
import { Writer } from "./writer.ts";

export const FETCH_HEADER_TYPE = 0x05;

export interface FetchHeader {
  requestId: number;
}

export function encodeFetchHeader(requestId: number): Uint8Array {
  return new Writer(16).varint(FETCH_HEADER_TYPE).varint(requestId).finish();
}

/** The header fields after the stream type. */
export async function readFetchHeader(reader: StreamReader): Promise<FetchHeader> {
  return { requestId: await reader.varint("request ID") };
}

export interface FetchObject {
  groupId: number;
  /** For an object whose forwarding preference is Datagram: its object ID. */
  subgroupId: number;
  objectId: number;
  publisherPriority: number;
  /** The raw Extension Headers block, kept verbatim. */
  extensions: Uint8Array | undefined;
  /** An ObjectStatus; NORMAL whenever the payload is not empty. */
  status: number;
  payload: Uint8Array;
}

/** A fetch object's fields before its payload; the caller writes the payload itself. */
export function encodeFetchObjectHeader(
  object: { groupId: number; subgroupId: number; objectId: number; publisherPriority: number } & ObjectTail,
): Uint8Array {
  const w = new Writer(32).varint(object.groupId).varint(object.subgroupId).varint(object.objectId);
  writePriority(w, object.publisherPriority);
  writeObjectTail(w, object, true);
  return w.finish();
}

/** The next object, or undefined at a clean FIN between objects. */
export async function readFetchObject(
  reader: StreamReader,
  limits: WireLimits = DEFAULT_LIMITS,
): Promise<FetchObject | undefined> {
  if (await reader.atEnd()) return undefined;
  const groupId = await reader.varint("group ID");
  const subgroupId = await reader.varint("subgroup ID");
  const objectId = await reader.varint("object ID");
  const publisherPriority = await reader.u8("publisher priority");
  const { extensions, status, payload } = await readObjectTail(reader, true, limits);
  return { groupId, subgroupId, objectId, publisherPriority, extensions, status, payload };
}
