// Track Namespace tuples and Track Names (draft "Track Naming"): 1..32 namespace fields, and at
// most 4096 bytes for the namespace fields and the track name together.
import { EncodeError, violation } from "./error.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import type { Reader } from "./reader.ts";
import type { Namespace, TrackName } from "./types.ts";
import type { Writer } from "./writer.ts";

/** Fixed by the draft; WireLimits carries the same numbers for the decoders. */
const MAX_FIELDS = 32;
const MAX_FULL_TRACK_NAME_BYTES = 4096;

function namespaceBytes(ns: Namespace): number {
  let total = 0;
  for (const field of ns) total += field.length;
  return total;
}

/**
 * A Track Namespace tuple. `prefix` allows 0 fields (a SUBSCRIBE_NAMESPACE prefix). A namespace
 * whose fields alone exceed 4096 bytes cannot name any track, so it is refused too.
 */
export function writeNamespace(w: Writer, ns: Namespace, options: { prefix?: boolean } = {}): void {
  const min = options.prefix === true ? 0 : 1;
  if (ns.length < min || ns.length > MAX_FIELDS) {
    throw new EncodeError(`a namespace has ${min}..${MAX_FIELDS} fields, got ${ns.length}`);
  }
  if (namespaceBytes(ns) > MAX_FULL_TRACK_NAME_BYTES) {
    throw new EncodeError(`namespace of ${namespaceBytes(ns)} bytes exceeds ${MAX_FULL_TRACK_NAME_BYTES}`);
  }
  w.varint(ns.length);
  for (const field of ns) w.lengthPrefixedBytes(field);
}

export function readNamespace(
  r: Reader,
  limits: WireLimits = DEFAULT_LIMITS,
  options: { prefix: boolean } = { prefix: false },
): Namespace {
  const count = r.varint("namespace field count");
  if ((count === 0 && !options.prefix) || count > limits.maxNamespaceFields) {
    throw violation(`a namespace has ${options.prefix ? 0 : 1}..${limits.maxNamespaceFields} fields, got ${count}`);
  }
  const fields: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const field = r.lengthPrefixedBytes(limits.maxFullTrackNameBytes - total, "namespace field");
    total += field.length;
    fields.push(field);
  }
  return fields;
}

/** Track Name Length and Track Name; the full track name must fit in 4096 bytes. */
export function writeTrackName(w: Writer, name: TrackName, namespace: Namespace = []): void {
  const total = namespaceBytes(namespace) + name.length;
  if (total > MAX_FULL_TRACK_NAME_BYTES) {
    throw new EncodeError(`full track name of ${total} bytes exceeds ${MAX_FULL_TRACK_NAME_BYTES}`);
  }
  w.lengthPrefixedBytes(name);
}

export function readTrackName(r: Reader, limits: WireLimits = DEFAULT_LIMITS, namespace: Namespace = []): TrackName {
  return r.lengthPrefixedBytes(limits.maxFullTrackNameBytes - namespaceBytes(namespace), "track name");
}

/** Track Namespace then Track Name. */
export function writeFullTrackName(w: Writer, namespace: Namespace, name: TrackName): void {
  writeNamespace(w, namespace);
  writeTrackName(w, name, namespace);
}

export function readFullTrackName(
  r: Reader,
  limits: WireLimits = DEFAULT_LIMITS,
): { namespace: Namespace; trackName: TrackName } {
  const namespace = readNamespace(r, limits);
  return { namespace, trackName: readTrackName(r, limits, namespace) };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** UTF-8 fields. */
export function namespaceFromStrings(parts: readonly string[]): Namespace {
  return parts.map((part) => utf8Encoder.encode(part));
}

/** Fields decoded as UTF-8 (invalid sequences become U+FFFD: use namespaceKey for identity). */
export function namespaceToStrings(ns: Namespace): string[] {
  return ns.map((field) => utf8Decoder.decode(field));
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

/**
 * A string identifying a namespace exactly, for map keys: each field percent-encoded (bytes
 * other than A-Z a-z 0-9 - . _ ~ become %XX) and followed by "/". The trailing "/" keeps []
 * and [""] apart; a namespace's key starts with the key of each of its prefixes.
 */
export function namespaceKey(ns: Namespace): string {
  let key = "";
  for (const field of ns) {
    for (const byte of field) key += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[byte]}`;
    key += "/";
  }
  return key;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `prefix`'s fields are the first fields of `ns` (whole fields: ["a"] is not a prefix of ["ab"]). */
export function isPrefix(prefix: Namespace, ns: Namespace): boolean {
  if (prefix.length > ns.length) return false;
  for (let i = 0; i < prefix.length; i++) if (!bytesEqual(prefix[i] as Uint8Array, ns[i] as Uint8Array)) return false;
  return true;
}

export function namespacesEqual(a: Namespace, b: Namespace): boolean {
  return a.length === b.length && isPrefix(a, b);
}
