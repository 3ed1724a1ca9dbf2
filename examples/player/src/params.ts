// What the page's address says: ?relay=…&name=…&autoplay=1&latency=… (and ?camera=… for the link to
// the camera page). The camera page's watch link gives relay and name.
import { DEFAULT_RELAY, flag, pageLink, rememberQuery } from "../../shared/params.ts";

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

/** Writes relay, name and latency into the address bar (no reload), so a reload or a bookmark keeps them. */
export function rememberParams(relay: string, name: string, latency: number | undefined): void {
  const pairs: Array<[string, string]> = [["relay", relay]];
  if (name !== "") pairs.push(["name", name]);
  if (latency !== undefined) pairs.push(["latency", String(latency)]);
  rememberQuery(pairs, ["relay", "name", "latency"]);
}

/** The camera page's address, with this page as its watch link's target and the same relay. */
export function cameraLink(camera: string, relay: string): string {
  const player = new URL(location.pathname, location.href).href;
  return pageLink(camera, [
    ["relay", relay],
    ["player", player],
  ]);
}
