// GOAWAY (0x10).
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** Longest New Session URI (draft: 8192 bytes). */
const MAX_URI_BYTES = 8192;

export interface GoAway {
  kind: "goaway";
  /** Empty: reconnect to the current URI. */
  newSessionUri: string;
}

export function encodeGoAway(w: Writer, m: GoAway): void {
  w.string(m.newSessionUri, MAX_URI_BYTES);
}

export function decodeGoAway(r: Reader, limits: WireLimits = DEFAULT_LIMITS): GoAway {
  return { kind: "goaway", newSessionUri: r.string(limits.maxGoAwayUriBytes, "new session URI") };
}
