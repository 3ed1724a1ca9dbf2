// How a rendition's frames are packed into objects (the `container` field of a rendition).

import { FieldReader, invalid, isPlainObject, type JsonObject, type Path, pickFields } from "./json.ts";

/** QUIC varint timestamp in microseconds, then the codec bitstream (what `container/` reads and writes). */
export interface LegacyContainer {
  readonly kind: "legacy";
}

/** Fragmented MP4: each frame is a moof+mdat; the init segment (ftyp+moov) is here, base64. */
export interface CmafContainer {
  readonly kind: "cmaf";
  /** The init segment (ftyp+moov), base64 with padding. */
  readonly init: string;
  /** Deprecated in @moq/hang (duplicates `init`); kept when present. */
  readonly timescale?: number;
  /** Deprecated in @moq/hang (duplicates `init`); kept when present. */
  readonly trackId?: number;
}

/** Low Overhead Container (draft-ietf-moq-loc): a property block, then the codec bitstream. */
export interface LocContainer {
  readonly kind: "loc";
}

/**
 * A container kind this version does not know, kept verbatim in `raw` (as @moq/hang 0.3 does), so
 * one rendition in a future container does not make the whole catalog unreadable. Such a rendition
 * cannot be decoded; encodeCatalog writes `raw` back. (@moq/hang 0.2 refuses unknown kinds.)
 */
export interface UnknownContainer {
  readonly kind: "unknown";
  readonly raw: JsonObject;
}

export type Container = LegacyContainer | CmafContainer | LocContainer | UnknownContainer;

/** The container kinds this version reads. */
export type KnownContainerKind = Exclude<Container["kind"], "unknown">;

const KNOWN_KINDS: ReadonlySet<string> = new Set<KnownContainerKind>(["legacy", "cmaf", "loc"]);

/** What a rendition without a `container` field uses. */
export const DEFAULT_CONTAINER: LegacyContainer = Object.freeze({ kind: "legacy" });

// The base64 alphabet with padding, as @moq/hang checks `init`.
const BASE64 = /^(?:[0-9a-zA-Z+/]{4})*(?:[0-9a-zA-Z+/]{2}==|[0-9a-zA-Z+/]{3}=)?$/;

export function readContainer(value: unknown, path: Path): Container {
  const fields = new FieldReader(value, path);
  const kind = fields.string("kind");
  switch (kind) {
    case "legacy":
      return { kind };
    case "loc":
      return { kind };
    case "cmaf": {
      const init = fields.string("init");
      if (!BASE64.test(init)) throw invalid(fields.at("init"), "expected base64 (with padding)");
      const timescale = fields.optionalU53("timescale");
      const trackId = fields.optionalU53("trackId");
      return {
        kind,
        init,
        ...(timescale === undefined ? {} : { timescale }),
        ...(trackId === undefined ? {} : { trackId }),
      };
    }
    default:
      // The document was checked to be JSON already.
      return { kind: "unknown", raw: value as JsonObject };
  }
}

/** The JSON form of `container`, in @moq/hang's key order (unchecked: the caller validates the result). */
export function containerJson(container: unknown, path: Path): unknown {
  if (!isPlainObject(container)) return container;
  if (container.kind === "unknown") {
    const raw = container.raw;
    // A kept container must still name its kind, and not one this version would read differently.
    if (!isPlainObject(raw) || typeof raw.kind !== "string" || KNOWN_KINDS.has(raw.kind)) {
      throw invalid([...path, "raw"], "expected the original container object, with a kind this version does not know");
    }
    return raw;
  }
  return pickFields(container, ["kind", "init", "timescale", "trackId"]);
}

/** Whether frames in `container` can be read by this SDK: only the legacy container, for now. */
export function isLegacyContainer(container: Container): container is LegacyContainer {
  return container.kind === "legacy";
}
