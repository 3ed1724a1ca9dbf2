// What a session may do: publish and/or subscribe under namespace prefixes, until an expiry.
//
// A JWT grants them in its "moqkit" claim:
//   { "moqkit": { "publish": ["demo/cam1"], "subscribe": ["demo"] }, "exp": 1767225600 }
// Each entry is a namespace prefix, compared field by field (as namespace tuples, never as text):
//   - a string is a path: split on "/" into fields ("demo/cam1" is ("demo","cam1"); a leading or
//     trailing "/" is ignored, so "demo/" is ("demo")); "" grants every namespace;
//   - an array of strings is the tuple itself, for fields that contain "/" (["a/b", "c"]).
// A prefix covers itself and everything under it: "demo" covers ("demo") and ("demo","cam1",...),
// not ("demonstration"). Either list may be left out (no grant of that kind).
import { isPrefix, type Namespace } from "@moqkit/sdk/wire";

export type Action = "publish" | "subscribe";

export interface Grants {
  /** Prefixes the session may publish under (PUBLISH_NAMESPACE, PUBLISH). */
  readonly publish: readonly Namespace[];
  /** Prefixes the session may read under (SUBSCRIBE, FETCH, TRACK_STATUS, SUBSCRIBE_NAMESPACE). */
  readonly subscribe: readonly Namespace[];
  /** When the grants end (ms since the epoch): later requests are refused. Undefined: never. */
  readonly expiresAt: number | undefined;
}

/** Everything, forever: a static --token, or a relay with no authorization configured. */
export const ALL_GRANTS: Grants = { publish: [[]], subscribe: [[]], expiresAt: undefined };

/** The claim that holds the grants. */
export const GRANT_CLAIM = "moqkit";

/** Entries per list at most: a token is small; a huge one is refused rather than scanned per request. */
const MAX_ENTRIES = 64;
/** Fields per prefix at most (draft-14 allows 32 per namespace). */
const MAX_FIELDS = 32;

/** A token whose claims do not say what it grants: refused like a bad signature. */
export class GrantClaimError extends Error {
  override readonly name = "GrantClaimError";
}

const encoder = new TextEncoder();

/** One prefix entry of the claim, as a namespace tuple. */
export function prefixOf(entry: unknown): Namespace {
  let fields: string[];
  if (typeof entry === "string") {
    fields = entry.split("/");
    if (fields[0] === "") fields.shift();
    if (fields.at(-1) === "") fields.pop();
  } else if (Array.isArray(entry) && entry.every((field) => typeof field === "string")) {
    fields = entry as string[];
  } else {
    throw new GrantClaimError("a prefix is a path string or an array of strings");
  }
  if (fields.length > MAX_FIELDS) throw new GrantClaimError(`a prefix has at most ${MAX_FIELDS} fields`);
  return fields.map((field) => encoder.encode(field));
}

function prefixList(value: unknown, name: string): Namespace[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new GrantClaimError(`${GRANT_CLAIM}.${name} must be an array of prefixes`);
  if (value.length > MAX_ENTRIES)
    throw new GrantClaimError(`${GRANT_CLAIM}.${name} has more than ${MAX_ENTRIES} entries`);
  return value.map(prefixOf);
}

/** The grants of a verified JWT's payload; throws GrantClaimError when the claim is missing or malformed. */
export function grantsFromClaims(payload: Readonly<Record<string, unknown>>): Grants {
  const claim = payload[GRANT_CLAIM];
  if (typeof claim !== "object" || claim === null || Array.isArray(claim)) {
    throw new GrantClaimError(`no "${GRANT_CLAIM}" claim object: the token grants nothing`);
  }
  const { publish, subscribe } = claim as Record<string, unknown>;
  const grants = {
    publish: prefixList(publish, "publish"),
    subscribe: prefixList(subscribe, "subscribe"),
    expiresAt: typeof payload.exp === "number" ? payload.exp * 1000 : undefined,
  };
  if (grants.publish.length === 0 && grants.subscribe.length === 0) {
    throw new GrantClaimError(`"${GRANT_CLAIM}" grants neither publish nor subscribe`);
  }
  return grants;
}

/** Whether the grants are still in force at `now` (ms since the epoch). */
export function isCurrent(grants: Grants, now: number): boolean {
  return grants.expiresAt === undefined || now < grants.expiresAt;
}

/** May `action` be done on `namespace` (and so on everything under it)? */
export function permits(grants: Grants, action: Action, namespace: Namespace, now: number): boolean {
  if (!isCurrent(grants, now)) return false;
  return grants[action].some((prefix) => isPrefix(prefix, namespace));
}

/**
 * May the session list namespaces under `prefix` (SUBSCRIBE_NAMESPACE)? Yes when some readable
 * namespace can be under it: a subscribe grant covers `prefix`, or lies under it (what is announced
 * is then filtered, one namespace at a time, with permits()). A prefix wholly outside is refused.
 */
export function mayList(grants: Grants, prefix: Namespace, now: number): boolean {
  if (!isCurrent(grants, now)) return false;
  return grants.subscribe.some((granted) => isPrefix(granted, prefix) || isPrefix(prefix, granted));
}
