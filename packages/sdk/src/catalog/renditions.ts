// What a player picks from: each rendition with the name of the track that carries it.

import type { AudioRendition } from "./audio.ts";
import type { Catalog } from "./catalog.ts";
import type { VideoRendition } from "./video.ts";

export interface RenditionEntry<R> {
  /** The track carrying the rendition, e.g. "video/hd" (in `rendition.broadcast` when that is set). */
  readonly track: string;
  readonly rendition: R;
}

function entries<R>(renditions: Readonly<Record<string, R>> | undefined): RenditionEntry<R>[] {
  if (renditions === undefined) return [];
  return Object.keys(renditions).map((track) => ({ track, rendition: renditions[track] as R }));
}

/** The catalog's video renditions in catalog order (integer-like track names first, as JavaScript orders keys). */
export function videoRenditions(catalog: Catalog): RenditionEntry<VideoRendition>[] {
  return entries(catalog.video?.renditions);
}

/** The catalog's audio renditions in catalog order. */
export function audioRenditions(catalog: Catalog): RenditionEntry<AudioRendition>[] {
  return entries(catalog.audio?.renditions);
}
