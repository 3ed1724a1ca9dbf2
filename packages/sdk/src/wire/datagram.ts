// OBJECT_DATAGRAM (datagram types 0x00..0x07, 0x20, 0x21): one object per datagram.
import { EncodeError, violation } from "./error.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { checkObjectTail, checkStatus } from "./object-fields.ts";
import { Reader } from "./reader.ts";
import { writePriority } from "./types.ts";
import { Writer } from "./writer.ts";

/** Type bits for 0x00..0x07 (payload datagrams). */
const EXTENSIONS = 0x01;
const END_OF_GROUP = 0x02;
/** Object ID field omitted: the object ID is 0. */
const NO_OBJECT_ID = 0x04;
/** 0x20 (and 0x21 with extensions): Object Status instead of a payload. */
const STATUS = 0x20;

export function isObjectDatagramType(type: number): boolean {
  return type <= 0x07 || type === 0x20 || type === 0x21;
}

export interface ObjectDatagram {
  trackAlias: number;
  groupId: number;
  objectId: number;
  publisherPriority: number;
  /** The raw Extension Headers block (never empty), kept verbatim. */
  extensions: Uint8Array | undefined;
  endOfGroup: boolean;
  /** Set for the status types (0x20, 0x21), which carry no payload; undefined for the others. */
  status: number | undefined;
  payload: Uint8Array;
}

/**
 * Chooses the shortest type: Object ID omitted when 0, extensions only when not empty. A
 * `status` selects 0x20/0x21, which cannot also say End of Group.
 */
export function encodeObjectDatagram(d: {
  trackAlias: number;
  groupId: number;
  objectId: number;
  publisherPriority: number;
  extensions?: Uint8Array | undefined;
  endOfGroup?: boolean;
  status?: number | undefined;
  payload?: Uint8Array;
}): Uint8Array {
  const payload = d.payload ?? new Uint8Array(0);
  const hasExtensions = d.extensions !== undefined && d.extensions.length > 0;
  let type: number;
  if (d.status !== undefined) {
    if (d.endOfGroup === true) throw new EncodeError("a status datagram cannot be marked End of Group");
    if (payload.length !== 0) throw new EncodeError("a status datagram has no payload");
    checkObjectTail({ extensions: d.extensions, status: d.status, payloadLength: 0 }, true);
    type = STATUS | (hasExtensions ? EXTENSIONS : 0);
  } else {
    type = (hasExtensions ? EXTENSIONS : 0) | (d.endOfGroup === true ? END_OF_GROUP : 0);
    if (d.objectId === 0) type |= NO_OBJECT_ID;
  }
  const w = new Writer(payload.length + 32).varint(type).varint(d.trackAlias).varint(d.groupId);
  if (!(type & NO_OBJECT_ID)) w.varint(d.objectId);
  writePriority(w, d.publisherPriority);
  if (hasExtensions) w.lengthPrefixedBytes(d.extensions as Uint8Array);
  if (d.status !== undefined) w.varint(d.status);
  else w.bytes(payload);
  return w.finish();
}

export function decodeObjectDatagram(bytes: Uint8Array, limits: WireLimits = DEFAULT_LIMITS): ObjectDatagram {
  const r = new Reader(bytes);
  const type = r.varint("datagram type");
  if (!isObjectDatagramType(type)) throw violation(`unknown datagram type 0x${type.toString(16)}`);
  const trackAlias = r.varint("track alias");
  const groupId = r.varint("group ID");
  const objectId = type & NO_OBJECT_ID ? 0 : r.varint("object ID");
  const publisherPriority = r.u8("publisher priority");
  let extensions: Uint8Array | undefined;
  if (type & EXTENSIONS) {
    extensions = r.lengthPrefixedBytes(limits.maxExtensionBytes, "extension headers");
    if (extensions.length === 0) throw violation("a datagram with extensions present has an empty extension block");
  }
  if (type & STATUS) {
    const status = checkStatus(r.varint("object status"), extensions);
    r.done();
    return {
      trackAlias,
      groupId,
      objectId,
      publisherPriority,
      extensions,
      endOfGroup: false,
      status,
      payload: new Uint8Array(0),
    };
  }
  const payload = r.rest();
  if (payload.length > limits.maxObjectBytes) {
    throw violation(`datagram payload of ${payload.length} bytes exceeds ${limits.maxObjectBytes}`);
  }
  const endOfGroup = (type & END_OF_GROUP) !== 0;
  return { trackAlias, groupId, objectId, publisherPriority, extensions, endOfGroup, status: undefined, payload };
}
