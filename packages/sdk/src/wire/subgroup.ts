// SUBGROUP_HEADER (stream types 0x10..0x1D) and the objects that follow it.
import { EncodeError, violation } from "./error.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { type ObjectTail, readObjectTail, writeObjectTail } from "./object-fields.ts";
import type { StreamReader } from "./stream-reader.ts";
import { writePriority } from "./types.ts";
import { MAX_VARINT } from "./varint.ts";
import { Writer } from "./writer.ts";

/** The bits of a SUBGROUP_HEADER type (0x10 | bits). */
const EXTENSIONS = 0x01;
/** Subgroup ID = the first object's ID (no field). */
const FIRST_OBJECT_ID = 0x02;
/** Subgroup ID field present. */
const EXPLICIT_ID = 0x04;
const END_OF_GROUP = 0x08;

/** 0x10..0x1D, except 0x16, 0x17 (both ID bits set) and their end-of-group twins 0x1E, 0x1F. */
export function isSubgroupHeaderType(type: number): boolean {
  return type >= 0x10 && type <= 0x1d && (type & 0x06) !== 0x06;
}

export interface SubgroupHeader {
  trackAlias: number;
  groupId: number;
  /**
   * undefined = "the first object's ID" (types 0x12/0x13/0x1A/0x1B) until that object is read:
   * readSubgroupObject then fills it in.
   */
  subgroupId: number | undefined;
  publisherPriority: number;
  /** Every object carries an Extension Headers Length. */
  extensions: boolean;
  /** The last object before FIN is the last object of the group. */
  endOfGroup: boolean;
}

/**
 * The stream type and header. Subgroup 0 uses the compact form (0x10/0x11/0x18/0x19), any other
 * the explicit one (0x14/0x15/0x1C/0x1D), unless `subgroupIdIsFirstObjectId` says the subgroup
 * ID equals the first object's ID (0x12/0x13/0x1A/0x1B: the caller vouches for it).
 */
export function encodeSubgroupHeader(h: {
  trackAlias: number;
  groupId: number;
  subgroupId: number;
  publisherPriority: number;
  extensions?: boolean;
  endOfGroup?: boolean;
  subgroupIdIsFirstObjectId?: boolean;
}): Uint8Array {
  if (!Number.isInteger(h.subgroupId) || h.subgroupId < 0) throw new EncodeError(`bad subgroup ID ${h.subgroupId}`);
  let type = 0x10;
  if (h.extensions === true) type |= EXTENSIONS;
  if (h.endOfGroup === true) type |= END_OF_GROUP;
  if (h.subgroupId !== 0) type |= h.subgroupIdIsFirstObjectId === true ? FIRST_OBJECT_ID : EXPLICIT_ID;
  const w = new Writer(32).varint(type).varint(h.trackAlias).varint(h.groupId);
  if (type & EXPLICIT_ID) w.varint(h.subgroupId);
  writePriority(w, h.publisherPriority);
  return w.finish();
}

/** The header fields after a stream type that isSubgroupHeaderType accepted. */
export async function readSubgroupHeader(reader: StreamReader, type: number): Promise<SubgroupHeader> {
  if (!isSubgroupHeaderType(type)) throw violation(`not a subgroup header type: 0x${type.toString(16)}`);
  const trackAlias = await reader.varint("track alias");
  const groupId = await reader.varint("group ID");
  let subgroupId: number | undefined = 0;
  if (type & EXPLICIT_ID) subgroupId = await reader.varint("subgroup ID");
  else if (type & FIRST_OBJECT_ID) subgroupId = undefined;
  const publisherPriority = await reader.u8("publisher priority");
  return {
    trackAlias,
    groupId,
    subgroupId,
    publisherPriority,
    extensions: (type & EXTENSIONS) !== 0,
    endOfGroup: (type & END_OF_GROUP) !== 0,
  };
}

export interface SubgroupObject {
  objectId: number;
  /** The raw Extension Headers block, kept verbatim for forwarding (decodeExtensionHeaders parses it). */
  extensions: Uint8Array | undefined;
  /** An ObjectStatus; NORMAL whenever the payload is not empty. */
  status: number;
  payload: Uint8Array;
}

function objectIdDelta(previousObjectId: number | undefined, objectId: number): number {
  if (previousObjectId === undefined) return objectId;
  const delta = objectId - previousObjectId - 1;
  if (delta < 0) throw new EncodeError(`object ID ${objectId} does not follow ${previousObjectId}`);
  return delta;
}

/**
 * An object's fields before its payload: Object ID Delta, [Extension Headers Length, Extension
 * headers], Object Payload Length, [Object Status]. The caller writes the payload itself.
 */
export function encodeSubgroupObjectHeader(
  header: { extensions: boolean },
  previousObjectId: number | undefined,
  object: { objectId: number } & ObjectTail,
): Uint8Array {
  const w = new Writer(32).varint(objectIdDelta(previousObjectId, object.objectId));
  writeObjectTail(w, object, header.extensions);
  return w.finish();
}

/**
 * The next object, or undefined at a clean FIN between objects. `previousObjectId` is the ID of
 * the last object read from this stream (undefined for the first).
 */
export async function readSubgroupObject(
  reader: StreamReader,
  header: SubgroupHeader,
  previousObjectId: number | undefined,
  limits: WireLimits = DEFAULT_LIMITS,
): Promise<SubgroupObject | undefined> {
  if (await reader.atEnd()) return undefined;
  const delta = await reader.varint("object ID delta");
  const objectId = previousObjectId === undefined ? delta : previousObjectId + delta + 1;
  if (objectId > MAX_VARINT) throw violation("object ID exceeds 2^62 - 1");
  const { extensions, status, payload } = await readObjectTail(reader, header.extensions, limits);
  if (header.subgroupId === undefined && previousObjectId === undefined) header.subgroupId = objectId;
  return { objectId, extensions, status, payload };
}
