// A minimal ASN.1 DER (ITU-T X.690) encoder, and the small decoder needed to read an X.509
// certificate back. Only what certificates use: low tag numbers (0..30) and definite lengths.
// Web-standard APIs only, so it runs unchanged under Deno, Node and browsers.
import { concatBytes } from "@moqkit/sdk/wire";

/** Universal tags, as complete identifier octets (constructed bit included for SEQUENCE and SET). */
export const Tag = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  ObjectIdentifier: 0x06,
  Utf8String: 0x0c,
  PrintableString: 0x13,
  Ia5String: 0x16,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  Sequence: 0x30,
  Set: 0x31,
} as const;

const CONSTRUCTED_BIT = 0x20;
const CONTEXT_SPECIFIC_CLASS = 0x80;
const MAX_LOW_TAG_NUMBER = 30;
/** Lengths up to 2^32 - 1 are plenty for certificates and keep the arithmetic exact. */
const MAX_LENGTH_OCTETS = 4;

export class DerError extends Error {
  override readonly name = "DerError";
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

export { concatBytes };

/** Short form below 128, otherwise long form: 0x80 | count, then the big-endian length. */
export function encodeLength(length: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(length) || length < 0 || length >= 2 ** (8 * MAX_LENGTH_OCTETS)) {
    throw new DerError(`unsupported DER length ${length}`);
  }
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** One type-length-value element; `tag` is the complete identifier octet. */
export function encodeElement(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) > MAX_LOW_TAG_NUMBER) {
    throw new DerError(`unsupported DER tag 0x${tag.toString(16)}`);
  }
  return concatBytes(Uint8Array.of(tag), encodeLength(content.length), content);
}

export function sequence(...children: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return encodeElement(Tag.Sequence, concatBytes(...children));
}

/** DER sorts the elements of a SET OF by their encodings. */
export function set(...children: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return encodeElement(Tag.Set, concatBytes(...[...children].sort(compareBytes)));
}

export function boolean(value: boolean): Uint8Array<ArrayBuffer> {
  return encodeElement(Tag.Boolean, Uint8Array.of(value ? 0xff : 0x00));
}

export function nullValue(): Uint8Array<ArrayBuffer> {
  return encodeElement(Tag.Null, new Uint8Array(0));
}

/** A two's-complement INTEGER in the fewest octets. */
export function integer(value: number | bigint): Uint8Array<ArrayBuffer> {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new DerError(`INTEGER needs a safe integer or a bigint, got ${value}`);
  }
  const octets: number[] = [];
  let rest = BigInt(value);
  let minimal = false;
  while (!minimal) {
    const octet = Number(rest & 0xffn);
    octets.unshift(octet);
    rest >>= 8n;
    const signBitSet = (octet & 0x80) !== 0;
    // Stop once the remaining high octets would only repeat the sign bit.
    minimal = (rest === 0n && !signBitSet) || (rest === -1n && signBitSet);
  }
  return encodeElement(Tag.Integer, Uint8Array.from(octets));
}

/**
 * A non-negative INTEGER from big-endian magnitude bytes (an ECDSA r or s, a serial number):
 * leading zero octets are dropped, and one is added back when the top bit would read as a sign.
 */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array<ArrayBuffer> {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  const needsSignOctet = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return encodeElement(Tag.Integer, needsSignOctet ? concatBytes(Uint8Array.of(0), trimmed) : trimmed);
}

/** Dotted form, e.g. "1.2.840.10045.2.1". */
export function objectIdentifier(dotted: string): Uint8Array<ArrayBuffer> {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new DerError(`invalid OBJECT IDENTIFIER "${dotted}"`);
  const arcs = dotted.split(".").map((arc) => BigInt(arc));
  const [first = 0n, second = 0n, ...rest] = arcs;
  if (first < 2n && second >= 40n) throw new DerError(`invalid OBJECT IDENTIFIER "${dotted}"`);
  const subidentifiers = [first * 40n + second, ...rest];
  return encodeElement(Tag.ObjectIdentifier, Uint8Array.from(subidentifiers.flatMap(base128)));
}

/** Big-endian base-128 digits, the continuation bit set on all but the last. */
function base128(value: bigint): number[] {
  const digits = [Number(value & 0x7fn)];
  for (let rest = value >> 7n; rest > 0n; rest >>= 7n) digits.unshift(Number(rest & 0x7fn) | 0x80);
  return digits;
}

export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new DerError(`invalid BIT STRING unused-bit count ${unusedBits}`);
  }
  return encodeElement(Tag.BitString, concatBytes(Uint8Array.of(unusedBits), bytes));
}

export function octetString(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeElement(Tag.OctetString, bytes);
}

export function utf8String(text: string): Uint8Array<ArrayBuffer> {
  return encodeElement(Tag.Utf8String, new TextEncoder().encode(text));
}

export function printableString(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new DerError(`not a PrintableString: "${text}"`);
  return encodeElement(Tag.PrintableString, new TextEncoder().encode(text));
}

/** IA5 is 7-bit ASCII. `tag` lets callers reuse the encoding under an IMPLICIT tag (a SAN dNSName). */
export function ia5String(text: string, tag: number = Tag.Ia5String): Uint8Array<ArrayBuffer> {
  if ([...text].some((character) => character.charCodeAt(0) > 0x7f)) throw new DerError(`not an IA5String: "${text}"`);
  return encodeElement(tag, new TextEncoder().encode(text));
}

/** UTCTime "YYMMDDHHMMSSZ": only years 1950..2049 (RFC 5280 section 4.1.2.5.1). */
export function utcTime(date: Date): Uint8Array<ArrayBuffer> {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new DerError(`UTCTime cannot hold the year ${year}`);
  return encodeElement(Tag.UtcTime, new TextEncoder().encode(`${formatTimeDigits(date).slice(2)}Z`));
}

/** GeneralizedTime "YYYYMMDDHHMMSSZ", without fractional seconds (RFC 5280 section 4.1.2.5.2). */
export function generalizedTime(date: Date): Uint8Array<ArrayBuffer> {
  return encodeElement(Tag.GeneralizedTime, new TextEncoder().encode(`${formatTimeDigits(date)}Z`));
}

/** RFC 5280's choice: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950). */
export function time(date: Date): Uint8Array<ArrayBuffer> {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

/** "YYYYMMDDHHMMSS" in UTC; milliseconds are dropped. */
function formatTimeDigits(date: Date): string {
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) throw new DerError(`cannot encode the date ${date}`);
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return (
    pad(year, 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  );
}

/** The identifier octet of a context-specific tag `[tagNumber]`. */
export function contextTag(tagNumber: number, constructed: boolean): number {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > MAX_LOW_TAG_NUMBER) {
    throw new DerError(`unsupported context-specific tag number ${tagNumber}`);
  }
  return CONTEXT_SPECIFIC_CLASS | (constructed ? CONSTRUCTED_BIT : 0) | tagNumber;
}

/** `[tagNumber] EXPLICIT`: a constructed context-specific element wrapping complete encodings. */
export function explicit(tagNumber: number, ...children: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return encodeElement(contextTag(tagNumber, true), concatBytes(...children));
}

/** `[tagNumber] IMPLICIT` of a primitive type: the content octets under the context-specific tag. */
export function implicitPrimitive(tagNumber: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeElement(contextTag(tagNumber, false), content);
}

function compareBytes(left: Uint8Array, right: Uint8Array): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

export interface DerElement {
  /** The complete identifier octet (class, constructed bit and tag number). */
  readonly tag: number;
  /** The content octets (a view into the input). */
  readonly content: Uint8Array;
  /** The whole element, identifier and length included (a view into the input). */
  readonly encoded: Uint8Array;
}

/** Reads the element starting at `offset`; returns it and the offset just after it. */
export function decodeElement(bytes: Uint8Array, offset = 0): { element: DerElement; end: number } {
  const tag = bytes[offset];
  if (tag === undefined) throw new DerError(`truncated DER: no element at offset ${offset}`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at offset ${offset}`);
  const { length, contentStart } = decodeLength(bytes, offset + 1);
  const end = contentStart + length;
  if (end > bytes.length) throw new DerError(`truncated DER: element at offset ${offset} overruns the input`);
  return {
    element: { tag, content: bytes.subarray(contentStart, end), encoded: bytes.subarray(offset, end) },
    end,
  };
}

function decodeLength(bytes: Uint8Array, offset: number): { length: number; contentStart: number } {
  const first = bytes[offset];
  if (first === undefined) throw new DerError("truncated DER: missing length");
  if (first < 0x80) return { length: first, contentStart: offset + 1 };
  const count = first & 0x7f;
  if (count === 0) throw new DerError("indefinite lengths are not DER");
  if (count > MAX_LENGTH_OCTETS) throw new DerError(`unsupported ${count}-octet DER length`);
  let length = 0;
  for (let index = 1; index <= count; index++) {
    const octet = bytes[offset + index];
    if (octet === undefined) throw new DerError("truncated DER: incomplete length");
    length = length * 256 + octet;
  }
  if (length < 0x80 || bytes[offset + 1] === 0) throw new DerError("non-minimal DER length");
  return { length, contentStart: offset + 1 + count };
}

/** Decodes exactly one element spanning all of `bytes`. */
export function decode(bytes: Uint8Array): DerElement {
  const { element, end } = decodeElement(bytes, 0);
  if (end !== bytes.length) throw new DerError(`${bytes.length - end} unexpected bytes after the DER element`);
  return element;
}

export function isConstructed(element: DerElement): boolean {
  return (element.tag & CONSTRUCTED_BIT) !== 0;
}

/** The elements inside a constructed element (SEQUENCE, SET, EXPLICIT tag). */
export function decodeChildren(element: DerElement): DerElement[] {
  if (!isConstructed(element)) throw new DerError(`tag 0x${element.tag.toString(16)} is not constructed`);
  const children: DerElement[] = [];
  for (let offset = 0; offset < element.content.length; ) {
    const decoded = decodeElement(element.content, offset);
    children.push(decoded.element);
    offset = decoded.end;
  }
  return children;
}

/** Returns `element` if it has the `expected` tag, else throws naming `what` was being read. */
export function expectTag(element: DerElement | undefined, expected: number, what: string): DerElement {
  if (element === undefined) throw new DerError(`missing ${what}`);
  if (element.tag !== expected) {
    throw new DerError(`${what}: expected tag 0x${expected.toString(16)}, found 0x${element.tag.toString(16)}`);
  }
  return element;
}

export function decodeBoolean(element: DerElement): boolean {
  expectTag(element, Tag.Boolean, "BOOLEAN");
  const [value, ...rest] = element.content;
  if (rest.length > 0 || (value !== 0x00 && value !== 0xff)) throw new DerError("invalid DER BOOLEAN");
  return value === 0xff;
}

/** A two's-complement INTEGER (or one under an IMPLICIT tag, when `tag` is given). */
export function decodeInteger(element: DerElement, tag: number = Tag.Integer): bigint {
  expectTag(element, tag, "INTEGER");
  const { content } = element;
  if (content.length === 0) throw new DerError("empty INTEGER");
  let value = 0n;
  for (const octet of content) value = (value << 8n) | BigInt(octet);
  const negative = ((content[0] ?? 0) & 0x80) !== 0;
  return negative ? value - (1n << BigInt(8 * content.length)) : value;
}

export function decodeObjectIdentifier(element: DerElement): string {
  expectTag(element, Tag.ObjectIdentifier, "OBJECT IDENTIFIER");
  const subidentifiers: bigint[] = [];
  let current = 0n;
  let inside = false;
  for (const octet of element.content) {
    if (!inside && octet === 0x80) throw new DerError("non-minimal OBJECT IDENTIFIER subidentifier");
    current = (current << 7n) | BigInt(octet & 0x7f);
    inside = (octet & 0x80) !== 0;
    if (!inside) {
      subidentifiers.push(current);
      current = 0n;
    }
  }
  const [combined, ...rest] = subidentifiers;
  if (combined === undefined || inside) throw new DerError("truncated OBJECT IDENTIFIER");
  const first = combined < 40n ? 0n : combined < 80n ? 1n : 2n;
  return [first, combined - first * 40n, ...rest].join(".");
}

export function decodeBitString(element: DerElement): { unusedBits: number; bytes: Uint8Array } {
  expectTag(element, Tag.BitString, "BIT STRING");
  const unusedBits = element.content[0];
  if (unusedBits === undefined || unusedBits > 7 || (element.content.length === 1 && unusedBits !== 0)) {
    throw new DerError("invalid BIT STRING");
  }
  return { unusedBits, bytes: element.content.subarray(1) };
}

export function decodeOctetString(element: DerElement): Uint8Array {
  return expectTag(element, Tag.OctetString, "OCTET STRING").content;
}

/** UTF8String, PrintableString or IA5String. */
export function decodeString(element: DerElement): string {
  const stringTags: number[] = [Tag.Utf8String, Tag.PrintableString, Tag.Ia5String];
  if (!stringTags.includes(element.tag)) throw new DerError(`tag 0x${element.tag.toString(16)} is not a string`);
  return new TextDecoder("utf-8", { fatal: true }).decode(element.content);
}

/** UTCTime or GeneralizedTime, in the DER forms RFC 5280 allows (whole seconds, "Z"). */
export function decodeTime(element: DerElement): Date {
  const text = new TextDecoder().decode(element.content);
  let digits: string;
  if (element.tag === Tag.UtcTime) {
    if (!/^\d{12}Z$/.test(text)) throw new DerError(`invalid UTCTime "${text}"`);
    const twoDigitYear = Number(text.slice(0, 2));
    digits = `${twoDigitYear >= 50 ? "19" : "20"}${text}`;
  } else if (element.tag === Tag.GeneralizedTime) {
    if (!/^\d{14}Z$/.test(text)) throw new DerError(`invalid GeneralizedTime "${text}"`);
    digits = text;
  } else {
    throw new DerError(`tag 0x${element.tag.toString(16)} is not a time`);
  }
  const field = (start: number, length = 2) => Number(digits.slice(start, start + length));
  const [year, month, day, hours, minutes, seconds] = [field(0, 4), field(4), field(6), field(8), field(10), field(12)];
  const date = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
  // Date.UTC rolls over out-of-range fields (month 13, second 61); a valid time comes back unchanged.
  if (formatTimeDigits(date) !== digits.slice(0, 14)) throw new DerError(`invalid date "${text}"`);
  return date;
}
