// JSON values and the checks every catalog field goes through: each failure is a CatalogError
// naming the field's path.

import { CatalogError, type JsonPathKey } from "./error.ts";

/** A JSON value as JSON.parse returns it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object: string keys to JSON values. */
export type JsonObject = { readonly [key: string]: JsonValue };

export type Path = readonly JsonPathKey[];

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A record with no prototype, so any key (`__proto__`, `constructor`) is just a key. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function invalid(path: Path, message: string): CatalogError {
  return new CatalogError("invalid-field", message, path);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "number") return `the number ${value}`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Checks that `root` is plain JSON (null, booleans, finite numbers, strings, arrays, plain objects)
 * nested at most `maxDepth` deep, without recursion (a hostile document cannot overflow the stack).
 */
export function checkJson(root: unknown, maxDepth: number): void {
  const stack: { value: unknown; path: Path }[] = [{ value: root, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path } = item;
    if (value === null || typeof value === "string" || typeof value === "boolean") continue;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw invalid(path, `expected a JSON value, got ${describe(value)}`);
      continue;
    }
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) throw invalid(path, `expected a JSON value, got ${describe(value)}`);
    if (path.length >= maxDepth) {
      throw new CatalogError("too-deep", `the JSON nests deeper than ${maxDepth} levels`, path);
    }
    if (isArray) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], path: [...path, i] });
    } else {
      for (const key of Object.keys(value)) stack.push({ value: value[key], path: [...path, key] });
    }
  }
}

/** Reads the known fields of one JSON object; absent means "not an own property" or `undefined`. */
export class FieldReader {
  readonly path: Path;
  readonly #object: Record<string, unknown>;

  constructor(value: unknown, path: Path) {
    if (!isPlainObject(value)) throw invalid(path, `expected an object, got ${describe(value)}`);
    this.#object = value;
    this.path = path;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#object, key) && this.#object[key] !== undefined;
  }

  /** The raw value of `key`, or `undefined` when absent. */
  raw(key: string): unknown {
    return Object.hasOwn(this.#object, key) ? this.#object[key] : undefined;
  }

  keys(): string[] {
    return Object.keys(this.#object).filter((key) => this.#object[key] !== undefined);
  }

  at(key: string): Path {
    return [...this.path, key];
  }

  #required<T>(key: string, read: (value: unknown, path: Path) => T): T {
    if (!this.has(key)) throw invalid(this.at(key), "missing");
    return read(this.#object[key], this.at(key));
  }

  #optional<T>(key: string, read: (value: unknown, path: Path) => T): T | undefined {
    return this.has(key) ? read(this.#object[key], this.at(key)) : undefined;
  }

  string(key: string): string {
    return this.#required(key, readString);
  }
  optionalString(key: string): string | undefined {
    return this.#optional(key, readString);
  }
  optionalNumber(key: string): number | undefined {
    return this.#optional(key, readNumber);
  }
  u53(key: string): number {
    return this.#required(key, readU53);
  }
  optionalU53(key: string): number | undefined {
    return this.#optional(key, readU53);
  }
  optionalBoolean(key: string): boolean | undefined {
    return this.#optional(key, readBoolean);
  }
  /** A hex string (pairs of hex digits), as the catalog encodes bytes. */
  optionalHex(key: string): string | undefined {
    return this.#optional(key, (value, path) => {
      const text = readString(value, path);
      if (!isHex(text)) throw invalid(path, "expected hex digits in pairs");
      return text;
    });
  }
  object(key: string): FieldReader {
    return this.#required(key, (value, path) => new FieldReader(value, path));
  }
  optionalObject(key: string): FieldReader | undefined {
    return this.#optional(key, (value, path) => new FieldReader(value, path));
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function isHex(text: string): boolean {
  return HEX.test(text);
}

function readString(value: unknown, path: Path): string {
  if (typeof value !== "string") throw invalid(path, `expected a string, got ${describe(value)}`);
  return value;
}

function readNumber(value: unknown, path: Path): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalid(path, `expected a number, got ${describe(value)}`);
  }
  return value;
}

function readU53(value: unknown, path: Path): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(path, `expected an integer in 0..2^53-1, got ${describe(value)}`);
  }
  // -0 is a non-negative integer too; write it back as 0.
  return value === 0 ? 0 : value;
}

function readBoolean(value: unknown, path: Path): boolean {
  if (typeof value !== "boolean") throw invalid(path, `expected a boolean, got ${describe(value)}`);
  return value;
}

/** A copy of `value`'s fields named in `keys`, in that order, leaving out absent ones (a null-prototype record). */
export function pickFields(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out = emptyRecord<unknown>();
  for (const key of keys) {
    if (Object.hasOwn(value, key) && value[key] !== undefined) out[key] = value[key];
  }
  return out;
}

/** `value` without its `undefined` members (so optional fields are absent, not present-and-undefined). */
export function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/** Reads a map of track name to rendition into a null-prototype record (track names are arbitrary strings). */
export function readRenditions<T>(
  fields: FieldReader,
  read: (value: unknown, path: Path) => T,
): Readonly<Record<string, T>> {
  const renditions = fields.object("renditions");
  const out = emptyRecord<T>();
  for (const name of renditions.keys()) out[name] = read(renditions.raw(name), renditions.at(name));
  return out;
}

/** The JSON form of a map of track name to rendition (unchecked). */
export function renditionsJson(
  renditions: unknown,
  json: (rendition: unknown, path: Path) => unknown,
  path: Path,
): unknown {
  if (!isPlainObject(renditions)) return renditions;
  const out = emptyRecord<unknown>();
  for (const name of Object.keys(renditions)) {
    if (renditions[name] !== undefined) out[name] = json(renditions[name], [...path, name]);
  }
  return out;
}
