/** Why a catalog was refused. */
export type CatalogErrorCode =
  /** The input is larger than the limit (bytes of UTF-8). */
  | "too-large"
  /** The bytes are not valid UTF-8. */
  | "invalid-utf8"
  /** The text is not JSON. */
  | "invalid-json"
  /** The JSON nests deeper than the limit. */
  | "too-deep"
  /** A known field is missing or has the wrong type or range (`path` names it). */
  | "invalid-field";

/** A key in a JSON document: an object member name or an array index. */
export type JsonPathKey = string | number;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "'": "\\'",
  "\\": "\\\\",
};

function escapeName(name: string): string {
  let out = "";
  for (const c of name) {
    const code = c.charCodeAt(0);
    out += SHORT_ESCAPES[c] ?? (code < 0x20 ? `\\u${code.toString(16).padStart(4, "0")}` : c);
  }
  return out;
}

/** The normalized JSONPath (RFC 9535) of `keys`, e.g. `$['video']['renditions']['video/hd']['codedWidth']`. */
export function formatJsonPath(keys: readonly JsonPathKey[]): string {
  let path = "$";
  for (const key of keys) path += typeof key === "number" ? `[${key}]` : `['${escapeName(key)}']`;
  return path;
}

/** A refused catalog, as a value with a code and the place of the bad field (never a string to parse). */
export class CatalogError extends Error {
  override readonly name = "CatalogError";
  readonly code: CatalogErrorCode;
  /** The keys leading to the bad field; empty for the whole document. */
  readonly keys: readonly JsonPathKey[];
  /** The same place as a JSONPath, e.g. `$['video']['renditions']['video/hd']['codedWidth']`. */
  readonly path: string;

  constructor(
    code: CatalogErrorCode,
    message: string,
    keys: readonly JsonPathKey[] = [],
    options?: { cause?: unknown },
  ) {
    const path = formatJsonPath(keys);
    super(keys.length === 0 ? message : `${path}: ${message}`, options);
    this.code = code;
    this.keys = Object.freeze([...keys]);
    this.path = path;
  }
}
