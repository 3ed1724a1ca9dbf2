// The object fields shared by subgroup and fetch streams: [Extension Headers Length, Extension
// headers], Object Payload Length, [Object Status], Object Payload.
import { EncodeError, violation } from "./error.ts";
import type { WireLimits } from "./limits.ts";
import type { StreamReader } from "./stream-reader.ts";
import { isObjectStatus, ObjectStatus } from "./types.ts";
import type { Writer } from "./writer.ts";

/** What an encoder needs to know about an object besides its IDs. */
export interface ObjectTail {
  /** A raw Extension Headers block (see encodeExtensionHeaders); absent or empty = none. */
  extensions?: Uint8Array | undefined;
  /** An ObjectStatus; only sent when the payload is empty. Default NORMAL. */
  status?: number | undefined;
  payloadLength: number;
}

/** Checks the rules that tie status, payload and extensions together. */
export function checkObjectTail(object: ObjectTail, extensionsAllowed: boolean): void {
  const status = object.status ?? ObjectStatus.NORMAL;
  const hasExtensions = object.extensions !== undefined && object.extensions.length > 0;
  if (!isObjectStatus(status)) throw new EncodeError(`unknown object status ${status}`);
  if (status !== ObjectStatus.NORMAL && object.payloadLength !== 0) {
    throw new EncodeError(`an object with status ${status} has an empty payload`);
  }
  if (hasExtensions && !extensionsAllowed) throw new EncodeError("this stream or datagram type carries no extensions");
  if (hasExtensions && status === ObjectStatus.DOES_NOT_EXIST) {
    throw new EncodeError("an object that does not exist has no extension headers");
  }
}

/** Writes the fields after the IDs, up to (not including) the payload. */
export function writeObjectTail(w: Writer, object: ObjectTail, extensionsPresent: boolean): void {
  checkObjectTail(object, extensionsPresent);
  if (extensionsPresent) w.lengthPrefixedBytes(object.extensions ?? new Uint8Array(0));
  w.varint(object.payloadLength);
  if (object.payloadLength === 0) w.varint(object.status ?? ObjectStatus.NORMAL);
}

/** Reads an Object Status and checks it against the extensions. */
export function checkStatus(status: number, extensions: Uint8Array | undefined): number {
  if (!isObjectStatus(status)) throw violation(`unknown object status ${status}`);
  if (status === ObjectStatus.DOES_NOT_EXIST && extensions !== undefined) {
    throw violation("an object that does not exist carries extension headers");
  }
  return status;
}

export interface ReadTail {
  extensions: Uint8Array | undefined;
  status: number;
  payload: Uint8Array;
}

export async function readObjectTail(
  reader: StreamReader,
  extensionsPresent: boolean,
  limits: WireLimits,
): Promise<ReadTail> {
  let extensions: Uint8Array | undefined;
  if (extensionsPresent) {
    const length = await reader.varint("extension headers length");
    if (length > limits.maxExtensionBytes) {
      throw violation(`extension headers length ${length} exceeds ${limits.maxExtensionBytes}`);
    }
    if (length > 0) extensions = await reader.bytes(length, "extension headers");
  }
  const payloadLength = await reader.varint("object payload length");
  if (payloadLength > limits.maxObjectBytes) {
    throw violation(`object payload length ${payloadLength} exceeds ${limits.maxObjectBytes}`);
  }
  if (payloadLength === 0) {
    const status = checkStatus(await reader.varint("object status"), extensions);
    return { extensions, status, payload: new Uint8Array(0) };
  }
  const payload = await reader.bytes(payloadLength, "object payload");
  return { extensions, status: ObjectStatus.NORMAL, payload };
}
