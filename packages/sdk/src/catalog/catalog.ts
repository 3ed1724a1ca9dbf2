// The catalog of a @moq/hang broadcast: the JSON in the `catalog.json` track (one group per
// version, its first object the whole JSON) that says which renditions exist and how to decode them.

import { type AudioSection, audioSectionJson, readAudioSection } from "./audio.ts";
import { CatalogError } from "./error.ts";
import { checkJson, emptyRecord, FieldReader, invalid, isPlainObject, type JsonValue } from "./json.ts";
import { readVideoSection, type VideoSection, videoSectionJson } from "./video.ts";

/** The catalog track's name. */
export const CATALOG_TRACK = "catalog.json";
/** The rendition tracks @moq/publish publishes, and so do we: one video and one audio. */
export const VIDEO_TRACK = "video/hd";
export const AUDIO_TRACK = "audio/data";

/** The largest catalog parseCatalog reads and encodeCatalog writes by default: 64 KiB of UTF-8. */
export const DEFAULT_MAX_CATALOG_BYTES = 64 * 1024;

/** How deep JSON may nest by default (the known sections need 6 levels; the rest is for extensions). */
export const DEFAULT_MAX_CATALOG_DEPTH = 32;

export interface Catalog {
  readonly video?: VideoSection;
  readonly audio?: AudioSection;
  /**
   * Top-level sections other than `video` and `audio` (an application's own, or a newer
   * publisher's), kept verbatim and written back by encodeCatalog. A null-prototype record.
   */
  readonly extensions?: Readonly<Record<string, JsonValue>>;
}

export interface CatalogLimits {
  /** Largest input or output in bytes of UTF-8 (default 64 KiB). */
  readonly maxBytes?: number;
  /** Deepest nesting of the JSON (default 32). */
  readonly maxDepth?: number;
}

const KNOWN_SECTIONS: ReadonlySet<string> = new Set(["video", "audio"]);

function limitsOf(limits: CatalogLimits): { maxBytes: number; maxDepth: number } {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_CATALOG_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_CATALOG_DEPTH;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError("maxBytes must be a non-negative integer");
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1) throw new RangeError("maxDepth must be a positive integer");
  return { maxBytes, maxDepth };
}

function tooLarge(bytes: number | string, maxBytes: number): CatalogError {
  return new CatalogError("too-large", `the catalog is ${bytes} bytes, above the limit of ${maxBytes}`);
}

const encoder = new TextEncoder();

/** UTF-8 length of `text` without encoding it (lone surrogates count as U+FFFD, 3 bytes, as TextEncoder writes them). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** The catalog held in `value`, a parsed JSON document. */
function readCatalog(value: unknown): Catalog {
  const fields = new FieldReader(value, []);
  const video = fields.raw("video");
  const audio = fields.raw("audio");
  let extensions: Record<string, JsonValue> | undefined;
  for (const key of fields.keys()) {
    if (KNOWN_SECTIONS.has(key)) continue;
    extensions ??= emptyRecord<JsonValue>();
    extensions[key] = fields.raw(key) as JsonValue;
  }
  const catalog: { video?: VideoSection; audio?: AudioSection; extensions?: Record<string, JsonValue> } = {};
  if (video !== undefined) catalog.video = readVideoSection(video, ["video"]);
  if (audio !== undefined) catalog.audio = readAudioSection(audio, ["audio"]);
  if (extensions !== undefined) catalog.extensions = extensions;
  return catalog;
}

/**
 * Reads and validates a catalog, from its JSON text or its UTF-8 bytes (the catalog object's payload).
 *
 * Strict on the fields @moq/hang defines (types, integer ranges, hex and base64 encodings) and
 * tolerant elsewhere like @moq/hang: unknown fields inside sections and renditions are dropped,
 * unknown top-level sections are kept in `extensions`, unknown container kinds are kept as
 * `{ kind: "unknown", raw }`, and the older array/`{ track, config }` section forms are read.
 *
 * Throws only CatalogError: `too-large`, `invalid-utf8`, `invalid-json`, `too-deep`, or
 * `invalid-field` with the field's path.
 */
export function parseCatalog(input: string | Uint8Array, limits: CatalogLimits = {}): Catalog {
  const { maxBytes, maxDepth } = limitsOf(limits);
  let text: string;
  if (typeof input === "string") {
    // Every UTF-16 unit is at least one byte of UTF-8: count exactly only when it could matter.
    if (input.length > maxBytes) throw tooLarge(`at least ${input.length}`, maxBytes);
    if (input.length * 3 > maxBytes) {
      const bytes = utf8Length(input);
      if (bytes > maxBytes) throw tooLarge(bytes, maxBytes);
    }
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) throw tooLarge(input.byteLength, maxBytes);
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input);
    } catch (error) {
      throw new CatalogError("invalid-utf8", "the catalog is not valid UTF-8", [], { cause: error });
    }
  } else {
    throw new CatalogError("invalid-json", "a catalog is JSON text or its UTF-8 bytes");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CatalogError("invalid-json", "the catalog is not JSON", [], { cause: error });
  }
  checkJson(value, maxDepth);
  return readCatalog(value);
}

/** The catalog as a JSON document in @moq/hang's field order (unchecked). */
function catalogJson(catalog: Catalog): Record<string, unknown> {
  if (!isPlainObject(catalog)) throw invalid([], "expected a catalog object");
  const out = emptyRecord<unknown>();
  if (catalog.video !== undefined) out.video = videoSectionJson(catalog.video, ["video"]);
  if (catalog.audio !== undefined) out.audio = audioSectionJson(catalog.audio, ["audio"]);
  const extensions: unknown = catalog.extensions;
  if (extensions !== undefined) {
    if (!isPlainObject(extensions)) throw invalid(["extensions"], "expected an object of top-level sections");
    for (const key of Object.keys(extensions)) {
      if (KNOWN_SECTIONS.has(key))
        throw invalid(["extensions", key], `"${key}" is a catalog section, not an extension`);
      if (extensions[key] !== undefined) out[key] = extensions[key];
    }
  }
  return out;
}

/**
 * The catalog as UTF-8 JSON, in the layout @moq/hang writes (its field order, absent fields left
 * out), ready to be the one object of a `catalog.json` group. Validates first, so what it writes
 * parseCatalog (and @moq/hang) reads back; throws CatalogError (`invalid-field` with the path of a
 * bad field, `too-deep`, or `too-large` beyond the limit). An `unknown` container is written back
 * as it came, which @moq/hang 0.2 refuses (0.3 keeps it).
 */
export function encodeCatalog(catalog: Catalog, limits: CatalogLimits = {}): Uint8Array {
  const { maxBytes, maxDepth } = limitsOf(limits);
  const json = catalogJson(catalog);
  checkJson(json, maxDepth);
  readCatalog(json);
  const bytes = encoder.encode(JSON.stringify(json));
  if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength, maxBytes);
  return bytes;
}
