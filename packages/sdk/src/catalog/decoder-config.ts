// WebCodecs decoder configurations from catalog renditions. The types are structural (no DOM
// library needed to compile this module) and assignable to VideoDecoderConfig / AudioDecoderConfig.

import type { AudioRendition } from "./audio.ts";
import { CatalogError } from "./error.ts";
import { hexToBytes } from "./hex.ts";
import type { VideoRendition } from "./video.ts";

/** The fields of WebCodecs' VideoDecoderConfig a catalog rendition gives. */
export interface VideoDecoderConfigInit {
  codec: string;
  description?: Uint8Array<ArrayBuffer>;
  codedWidth?: number;
  codedHeight?: number;
  displayAspectWidth?: number;
  displayAspectHeight?: number;
  optimizeForLatency?: boolean;
}

/** The fields of WebCodecs' AudioDecoderConfig a catalog rendition gives. */
export interface AudioDecoderConfigInit {
  codec: string;
  sampleRate: number;
  numberOfChannels: number;
  description?: Uint8Array<ArrayBuffer>;
}

function description(hex: string | undefined): Uint8Array<ArrayBuffer> | undefined {
  if (hex === undefined) return undefined;
  try {
    return hexToBytes(hex);
  } catch (error) {
    throw new CatalogError("invalid-field", "expected hex digits in pairs", ["description"], { cause: error });
  }
}

/**
 * A VideoDecoderConfig for `rendition`: the codec, the coded and display-aspect sizes, the
 * description as bytes (absent for in-band parameter sets, as with H.264 Annex B), and
 * `optimizeForLatency`, true unless the catalog says false (@moq/hang's default). Says nothing of
 * the container: check `rendition.container.kind` first. Throws CatalogError for a bad description.
 */
export function videoDecoderConfig(rendition: VideoRendition): VideoDecoderConfigInit {
  const config: VideoDecoderConfigInit = { codec: rendition.codec };
  const bytes = description(rendition.description);
  if (bytes !== undefined) config.description = bytes;
  if (rendition.codedWidth !== undefined) config.codedWidth = rendition.codedWidth;
  if (rendition.codedHeight !== undefined) config.codedHeight = rendition.codedHeight;
  if (rendition.displayAspectWidth !== undefined) config.displayAspectWidth = rendition.displayAspectWidth;
  if (rendition.displayAspectHeight !== undefined) config.displayAspectHeight = rendition.displayAspectHeight;
  config.optimizeForLatency = rendition.optimizeForLatency ?? true;
  return config;
}

/** An AudioDecoderConfig for `rendition`: codec, sample rate, channels and the description as bytes, if any. */
export function audioDecoderConfig(rendition: AudioRendition): AudioDecoderConfigInit {
  const config: AudioDecoderConfigInit = {
    codec: rendition.codec,
    sampleRate: rendition.sampleRate,
    numberOfChannels: rendition.numberOfChannels,
  };
  const bytes = description(rendition.description);
  if (bytes !== undefined) config.description = bytes;
  return config;
}
