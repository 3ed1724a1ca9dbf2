// The Player's options: types, defaults and validation, which names the bad field in a
// PlayerError("bad-argument").
import { broadcastNamespace, checkBroadcastAddress } from "../worker/address.ts";
import { PlayerError } from "./errors.ts";

export interface PlayerOptions {
  /** http://host:port/ (local relay: its certificate hash is fetched) or https://… */
  relay: string;
  /** Hex SHA-256 of the relay's certificate, for https:// with a self-signed certificate. */
  certificateHashes?: string[];
  /** Broadcast path "a/b/name": the namespace ["a", "b", "name"]. */
  name: string;
  /**
   * The jitter buffer's floor (ms): frames are shown this long after the fastest arrival seen, or
   * longer when arrivals spread more (the buffer adapts to the measured spread). Default
   * DEFAULT_LATENCY_MS. Changeable while playing (`player.latency`).
   */
  latency?: number;
  /** Draw into this canvas. */
  canvas?: HTMLCanvasElement;
  /** Or: a canvas is created in this element (it fills the element's width). */
  container?: HTMLElement;
  /** Start muted (default false). Audio is still decoded, so unmuting is instant. */
  muted?: boolean;
  /** 0..1 (default 1). */
  volume?: number;
  /** Start playing at once (default true). Otherwise call play(). */
  autoplay?: boolean;
  /**
   * Without autoplay: connect, read the catalog and subscribe at once, before play() (default true,
   * like `<video preload="auto">`), so play() paints within a few frames. The worker then receives
   * the broadcast while nothing plays; false waits for play() to connect at all.
   */
  preload?: boolean;
}

/**
 * The jitter buffer's default floor (ms). On loopback the arrivals of one stream spread by a few
 * milliseconds; the adaptive part covers that, so the floor only has to absorb the decoder's and the
 * timer's own jitter (chosen by measurement: README, player).
 */
export const DEFAULT_LATENCY_MS = 10;

/** The largest latency option accepted (ms). */
export const MAX_LATENCY_MS = 10_000;

function bad(what: string): never {
  throw new PlayerError("bad-argument", what);
}

/** The broadcast path as a namespace: "a/b/name" → ["a", "b", "name"]. */
export function namespaceOf(name: string): string[] {
  return broadcastNamespace(name, bad);
}

export function checkLatency(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_LATENCY_MS) {
    bad(`latency must be a number of milliseconds in 0..${MAX_LATENCY_MS}, got ${String(value)}`);
  }
  return value;
}

export function checkVolume(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    bad(`volume must be a number in 0..1, got ${String(value)}`);
  }
  return value;
}

/** Checks `options` (as the page passed them) and throws PlayerError("bad-argument") naming the bad field. */
export function checkOptions(options: unknown): PlayerOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) bad("options must be an object");
  const fields = options as Record<string, unknown>;
  checkBroadcastAddress(fields, bad);
  if (fields.latency !== undefined) checkLatency(fields.latency);
  if (fields.volume !== undefined) checkVolume(fields.volume);
  for (const flag of ["muted", "autoplay", "preload"] as const) {
    if (fields[flag] !== undefined && typeof fields[flag] !== "boolean") bad(`${flag} must be a boolean`);
  }
  if (
    fields.canvas !== undefined &&
    (typeof HTMLCanvasElement === "undefined" || !(fields.canvas instanceof HTMLCanvasElement))
  ) {
    bad("canvas must be an HTMLCanvasElement");
  }
  if (
    fields.container !== undefined &&
    (typeof HTMLElement === "undefined" || !(fields.container instanceof HTMLElement))
  ) {
    bad("container must be an HTMLElement");
  }
  if (fields.canvas !== undefined && fields.container !== undefined) bad("give canvas or container, not both");
  return fields as unknown as PlayerOptions;
}
