// What both pages read from and write to their address: the default relay, yes/no flags, and links
// that stay readable.
export const DEFAULT_RELAY = "http://127.0.0.1:4443/";

/** A yes/no parameter: yes when present, unless "0" or "false". */
export function flag(value: string | null): boolean {
  return value !== null && value !== "0" && value !== "false";
}

/** A query escaped as little as a URL allows, so links stay readable (`/` and `:` kept). */
function query(pairs: Array<[string, string]>): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
  return pairs.length === 0 ? "" : `?${pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join("&")}`;
}

/**
 * Writes `pairs` into the address bar (no reload), so a reload or a bookmark keeps them: first, then
 * the parameters already there except those named in `replaced`.
 */
export function rememberQuery(pairs: Array<[string, string]>, replaced: readonly string[]): void {
  const url = new URL(location.href);
  const kept = [...url.searchParams].filter(([key]) => !replaced.includes(key));
  url.search = query([...pairs, ...kept]);
  history.replaceState(null, "", url);
}

/** The address of `page` (relative to this one's) with `pairs` as its query. */
export function pageLink(page: string, pairs: Array<[string, string]>): string {
  const url = new URL(page, location.href);
  url.search = query(pairs);
  return url.href;
}
