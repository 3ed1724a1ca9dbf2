// What the page's address says: ?relay=…&name=…&autostart=1 (and ?player=… for the watch link).
import { DEFAULT_RELAY, flag, pageLink, rememberQuery } from "../../shared/params.ts";

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
  return {
    relay: query.get("relay")?.trim() || DEFAULT_RELAY,
    name: query.get("name")?.trim() || randomName(),
    autostart: flag(query.get("autostart")),
    player: query.get("player")?.trim() || DEFAULT_PLAYER,
  };
}

/** Writes relay and name into the address bar (no reload), so a reload or a bookmark keeps them. */
export function rememberParams(relay: string, name: string): void {
  rememberQuery(
    [
      ["relay", relay],
      ["name", name],
    ],
    ["relay", "name", "autostart"],
  );
}

/** The player page's address for this broadcast: `…/?relay=http://127.0.0.1:4443/&name=moqkit/alice`. */
export function watchLink(player: string, relay: string, name: string): string {
  return pageLink(player, [
    ["relay", relay],
    ["name", name],
  ]);
}
