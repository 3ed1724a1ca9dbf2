// What the page's address says: ?relay=…&name=…&autoplay=1&latency=… (and ?camera=… for the link to
// the camera page). The camera page's watch link gives relay and name.
export const DEFAULT_RELAY = "http://127.0.0.1:4443/";
export const DEFAULT_CAMERA = "http://127.0.0.1:5174/";

export interface PageParams {
  relay: string;
  /**
   * The broadcast path. No default: the camera page names each broadcast at random
   * (`moqkit/camera-xxxxxx`), so a fixed name would show nothing; its watch link brings the name.
   */
  name: string;
  autoplay: boolean;
  /** The jitter buffer's floor (ms); undefined: the player's default. */
  latency: number | undefined;
  /** The camera page, for the "publish one" link. */
  camera: string;
}

function flag(value: string | null): boolean {
  return value !== null && value !== "0" && value !== "false";
}

export function readParams(search: string): PageParams {
  const query = new URLSearchParams(search);
  const latency = Number(query.get("latency") ?? "");
  return {
    relay: query.get("relay")?.trim() || DEFAULT_RELAY,
    name: query.get("name")?.trim() ?? "",
    autoplay: flag(query.get("autoplay")),
    latency: query.get("latency")?.trim() && Number.isFinite(latency) && latency >= 0 ? latency : undefined,
    camera: query.get("camera")?.trim() || DEFAULT_CAMERA,
  };
}

/** A query escaped as little as a URL allows, so links stay readable (`/` and `:` kept). */
function query(pairs: Array<[string, string]>): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
  return pairs.length === 0 ? "" : `?${pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join("&")}`;
}

/** Writes relay, name and latency into the address bar (no reload), so a reload or a bookmark keeps them. */
export function rememberParams(relay: string, name: string, latency: number | undefined): void {
  const url = new URL(location.href);
  const kept = [...url.searchParams].filter(([key]) => key !== "relay" && key !== "name" && key !== "latency");
  const pairs: Array<[string, string]> = [["relay", relay]];
  if (name !== "") pairs.push(["name", name]);
  if (latency !== undefined) pairs.push(["latency", String(latency)]);
  url.search = query([...pairs, ...kept]);
  history.replaceState(null, "", url);
}

/** The camera page's address, with this page as its watch link's target and the same relay. */
export function cameraLink(camera: string, relay: string): string {
  const url = new URL(camera, location.href);
  const player = new URL(location.pathname, location.href).href;
  url.search = query([
    ["relay", relay],
    ["player", player],
  ]);
  return url.href;
}
