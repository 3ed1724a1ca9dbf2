// Track namespaces and names as the API takes them (strings or bytes) and as the wire carries them (bytes).
import { type Namespace, namespaceKey, namespaceToStrings, type TrackName } from "../wire/index.ts";
import { SessionArgumentError } from "./errors.ts";

/** A namespace tuple: each field a string (UTF-8 on the wire) or bytes. A single string is one field. */
export type NamespaceInput = string | readonly (string | Uint8Array)[];
/** A track name: a string (UTF-8 on the wire) or bytes. */
export type TrackNameInput = string | Uint8Array;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A lone UTF-16 surrogate: with the u flag a surrogate pair is one code point, so only lone ones match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Whether `text` has a lone surrogate, which UTF-8 cannot carry (TextEncoder sends U+FFFD instead). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * A string as UTF-8 bytes. A lone surrogate is refused: TextEncoder would send it as U+FFFD, so two
 * different strings would name the same track (and a worker keying tracks by string would mix them up).
 */
function utf8(text: string, what: string): Uint8Array {
  if (hasLoneSurrogate(text)) {
    throw new SessionArgumentError(`${what} is not well-formed Unicode (it has a lone surrogate); pass bytes instead`);
  }
  return encoder.encode(text);
}

export function toNamespace(input: NamespaceInput, what = "namespace"): Namespace {
  const fields = typeof input === "string" ? [input] : input;
  if (!Array.isArray(fields)) throw new SessionArgumentError(`${what} must be a string or an array of fields`);
  if (fields.length < 1 || fields.length > 32) {
    throw new SessionArgumentError(`${what} must have 1 to 32 fields, got ${fields.length}`);
  }
  return fields.map((field, index) => {
    if (typeof field === "string") return utf8(field, `${what} field ${index}`);
    if (field instanceof Uint8Array) return field;
    throw new SessionArgumentError(`${what} field ${index} must be a string or a Uint8Array`);
  });
}

/** Like toNamespace, but 0 fields is allowed (a prefix matching every namespace). */
export function toNamespacePrefix(input: NamespaceInput): Namespace {
  if (Array.isArray(input) && input.length === 0) return [];
  return toNamespace(input, "namespace prefix");
}

export function toTrackName(input: TrackNameInput): TrackName {
  if (typeof input === "string") return utf8(input, "track name");
  if (input instanceof Uint8Array) return input;
  throw new SessionArgumentError("track name must be a string or a Uint8Array");
}

/** A readable form for logs and cache track names: fields joined by "/". */
export function describeNamespace(namespace: Namespace): string {
  return namespaceToStrings(namespace).join("/");
}

export function describeTrack(namespace: Namespace, name: TrackName): string {
  return `${describeNamespace(namespace)}:${decoder.decode(name)}`;
}

/**
 * An exact map key for a track name within a namespace: its bytes, percent-encoded (never decoded
 * as UTF-8, which maps every invalid sequence to U+FFFD: 0xFE and 0xFF would be one name).
 */
export function trackNameKey(name: TrackName): string {
  return namespaceKey([name]);
}

/** An exact, unambiguous map key for a full track name (bytes compared exactly, as the draft says). */
export function fullTrackKey(namespace: Namespace, name: TrackName): string {
  return `${namespaceKey(namespace)}:${trackNameKey(name)}`;
}
