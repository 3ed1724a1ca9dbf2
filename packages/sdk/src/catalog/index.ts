// The @moq/hang catalog: types, validation, JSON, and what a player derives from it.
export type {
  AudioRendition,
  AudioSection,
} from "./audio.ts";
export {
  AUDIO_TRACK,
  CATALOG_TRACK,
  type Catalog,
  type CatalogLimits,
  DEFAULT_MAX_CATALOG_BYTES,
  DEFAULT_MAX_CATALOG_DEPTH,
  encodeCatalog,
  parseCatalog,
  VIDEO_TRACK,
} from "./catalog.ts";
export {
  type CmafContainer,
  type Container,
  DEFAULT_CONTAINER,
  isLegacyContainer,
  type KnownContainerKind,
  type LegacyContainer,
  type LocContainer,
  type UnknownContainer,
} from "./container.ts";
export {
  type AudioDecoderConfigInit,
  audioDecoderConfig,
  type VideoDecoderConfigInit,
  videoDecoderConfig,
} from "./decoder-config.ts";
export { CatalogError, type CatalogErrorCode, formatJsonPath, type JsonPathKey } from "./error.ts";
export { bytesToHex, hexToBytes } from "./hex.ts";
export type { JsonObject, JsonValue } from "./json.ts";
export { audioRenditions, type RenditionEntry, videoRenditions } from "./renditions.ts";
export { DEFAULT_TIMELINE_TIMESCALE, MOQ_EPOCH_UNIX_MS, type Timeline } from "./timeline.ts";
export type { VideoRendition, VideoSection } from "./video.ts";
