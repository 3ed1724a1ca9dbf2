// What the page's address says: ?relay=…&name=…&autostart=1 (and ?player=… for the watch link).
export const DEFAULT_RELAY = "http://127.0.0.1:4443/";
export const DEFAULT_PLAYER = "http://127.0.0.1:5173/";

export interface PageParams {
  relay: string;
  name: string;
  autostart: boolean;
  /** The player page the watch link points at. */
  player: string;
}

/** A broadcast name nobody else is likely to use: `moqkit/camera-` and six random letters or digits. */
export function randomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  const letters = Array.from(bytes, (byte) => "abcdefghijklmnopqrstuvwxyz0123456789"[byte % 36]).join("");
  return `moqkit/camera-${letters}`;
}

export function readParams(search: string): PageParams {
  const query = new URLSearchParams(search);
  const flag = query.get("autostart");
  return {
    relay: query.get("relay")?.trim() || DEFAULT_RELAY,
    name: query.get("name")?.trim() || randomName(),
    autostart: flag !== null && flag !== "0" && flag !== "false",
    player: query.get("player")?.trim() || DEFAULT_PLAYER,
  };
}

/** A query escaped as little as a URL allows, so links stay readable (`/` and `:` kept). */
function query(pairs: Array<[string, string]>): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
  return `?${pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join("&")}`;
}

/** Writes relay and name into the address bar (no reload), so a reload or a bookmark keeps them. */
export function rememberParams(relay: string, name: string): void {
  const url = new URL(location.href);
  const kept = [...url.searchParams].filter(([key]) => key !== "relay" && key !== "name" && key !== "autostart");
  url.search = query([["relay", relay], ["name", name], ...kept]);
  history.replaceState(null, "", url);
}

/** The player page's address for this broadcast: `…/?relay=http://127.0.0.1:4443/&name=moqkit/alice`. */
export function watchLink(player: string, relay: string, name: string): string {
  const url = new URL(player, location.href);
  url.search = query([
    ["relay", relay],
    ["name", name],
  ]);
  return url.href;
}
