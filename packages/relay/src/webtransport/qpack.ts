/**
 * QPACK field-section codec (RFC 9204) for a peer that advertised
 * SETTINGS_QPACK_MAX_TABLE_CAPACITY = 0 and SETTINGS_QPACK_BLOCKED_STREAMS = 0:
 * only the static table and literals are ever valid, so there is no encoder or
 * decoder stream state and every field section decodes on its own.
 *
 * Text: field names are validated as lowercase tokens (so they are ASCII);
 * field values are decoded as UTF-8 without the fatal flag, so bytes that are
 * not valid UTF-8 become U+FFFD. The encoder writes strings as UTF-8.
 */

import { huffmanDecode, huffmanEncode, huffmanEncodedLength, QpackError } from "./huffman.ts";
import { QPACK_STATIC_TABLE, type StaticTableEntry } from "./qpack-static-table.ts";

// QpackError lives in huffman.ts, which throws it too, so that the two modules do not import each other.
export { QpackError };

export interface HeaderField {
  name: string;
  value: string;
}

export interface QpackLimits {
  /**
   * SETTINGS_MAX_FIELD_SECTION_SIZE semantics (RFC 9114 Section 4.2.2): the
   * sum over all fields of name length + value length (in bytes) + 32.
   */
  maxFieldSectionSize: number;
}

/**
 * Thrown when a field section exceeds QpackLimits.maxFieldSectionSize. RFC
 * 9114 treats that as a malformed message, hence H3_MESSAGE_ERROR (0x10e);
 * a server may answer 431 instead of resetting the stream.
 */
export class FieldSectionTooLarge extends Error {
  readonly code = 0x10e;
  readonly limit: number;

  constructor(limit: number) {
    super(`field section is larger than the limit of ${limit} bytes`);
    this.name = "FieldSectionTooLarge";
    this.limit = limit;
  }
}

/** The per-field overhead in the field section size (RFC 9114 Section 4.2.2). */
const FIELD_SIZE_OVERHEAD = 32;

/** 10 continuation bytes carry 70 bits, more than any value we accept needs. */
const MAX_INTEGER_CONTINUATION_BYTES = 10;

// Field line representation patterns (RFC 9204 Section 4.5): the high bits of the first byte.
const INDEXED_FIELD_LINE = 0x80;
const LITERAL_WITH_NAME_REFERENCE = 0x40;
const LITERAL_WITH_LITERAL_NAME = 0x20;
const INDEXED_WITH_POST_BASE_INDEX = 0x10;
// The T bit: the reference is to the static table rather than the dynamic one.
const INDEXED_STATIC_FLAG = 0x40;
const NAME_REFERENCE_STATIC_FLAG = 0x10;
// The H bit of a string literal: the string is Huffman-encoded.
const LITERAL_NAME_HUFFMAN_FLAG = 0x08;
const VALUE_HUFFMAN_FLAG = 0x80;

const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Decodes one encoded field section (the payload of a HEADERS frame).
 *
 * Throws QpackError when the block is malformed or references the dynamic
 * table, and FieldSectionTooLarge as soon as the decoded fields exceed
 * limits.maxFieldSectionSize.
 */
export function decodeFieldSection(block: Uint8Array, limits: QpackLimits): HeaderField[] {
  const reader = new BlockReader(block);
  skipSectionPrefix(reader);
  const size = new SectionSizeTracker(limits.maxFieldSectionSize);
  const fields: HeaderField[] = [];
  while (!reader.atEnd) fields.push(readFieldLine(reader, size));
  return fields;
}

/**
 * Encodes a field section using only the static table and literals (Required
 * Insert Count 0, Base 0). Names must be lowercase tokens (a leading ":" is
 * allowed for pseudo-header fields) and values must not contain NUL, CR or
 * LF; anything else throws a RangeError, since our own decoder, like any
 * conforming peer, would reject it.
 */
export function encodeFieldSection(fields: readonly HeaderField[]): Uint8Array {
  const writer = new ByteWriter();
  writer.writePrefixedInteger(0x00, 8, 0); // Required Insert Count = 0
  writer.writePrefixedInteger(0x00, 7, 0); // Sign = 0, Delta Base = 0
  for (const field of fields) writeFieldLine(writer, field);
  return writer.finish();
}

// ---------------------------------------------------------------------------
// Decoding

function skipSectionPrefix(reader: BlockReader): void {
  const encodedRequiredInsertCount = reader.readPrefixedInteger(8);
  if (encodedRequiredInsertCount !== 0) {
    throw new QpackError(
      `Required Insert Count is encoded as ${encodedRequiredInsertCount}, but the dynamic table capacity is 0`,
    );
  }
  // With Required Insert Count 0 nothing can be relative to Base, so the sign bit and Delta Base are only skipped.
  reader.readPrefixedInteger(7);
}

function readFieldLine(reader: BlockReader, size: SectionSizeTracker): HeaderField {
  const firstByte = reader.peekByte();
  if (firstByte & INDEXED_FIELD_LINE) return readIndexedFieldLine(reader, size);
  if (firstByte & LITERAL_WITH_NAME_REFERENCE) return readLiteralWithNameReference(reader, size);
  if (firstByte & LITERAL_WITH_LITERAL_NAME) return readLiteralWithLiteralName(reader, size);
  if (firstByte & INDEXED_WITH_POST_BASE_INDEX) {
    throw new QpackError("Indexed Field Line with Post-Base Index references the dynamic table");
  }
  throw new QpackError("Literal Field Line with Post-Base Name Reference references the dynamic table");
}

function readIndexedFieldLine(reader: BlockReader, size: SectionSizeTracker): HeaderField {
  if (!(reader.peekByte() & INDEXED_STATIC_FLAG)) {
    throw new QpackError("Indexed Field Line references the dynamic table");
  }
  const [name, value] = staticEntry(reader.readPrefixedInteger(6));
  // Static table strings are ASCII, so string length is byte length.
  size.add(name.length + value.length + FIELD_SIZE_OVERHEAD);
  return { name, value };
}

function readLiteralWithNameReference(reader: BlockReader, size: SectionSizeTracker): HeaderField {
  // The N (never-indexed) bit only matters to an intermediary re-encoding the field, so it is ignored.
  if (!(reader.peekByte() & NAME_REFERENCE_STATIC_FLAG)) {
    throw new QpackError("Literal Field Line with Name Reference references the dynamic table");
  }
  const [name] = staticEntry(reader.readPrefixedInteger(4));
  size.add(name.length + FIELD_SIZE_OVERHEAD);
  return { name, value: readFieldValue(reader, size) };
}

function readLiteralWithLiteralName(reader: BlockReader, size: SectionSizeTracker): HeaderField {
  const nameBytes = readStringLiteral(reader, LITERAL_NAME_HUFFMAN_FLAG, 3);
  size.add(nameBytes.length + FIELD_SIZE_OVERHEAD);
  validateFieldName(nameBytes);
  const name = utf8Decoder.decode(nameBytes);
  return { name, value: readFieldValue(reader, size) };
}

function readFieldValue(reader: BlockReader, size: SectionSizeTracker): string {
  const valueBytes = readStringLiteral(reader, VALUE_HUFFMAN_FLAG, 7);
  size.add(valueBytes.length);
  validateFieldValue(valueBytes);
  return utf8Decoder.decode(valueBytes);
}

/**
 * Reads a string literal (RFC 9204 Section 4.1.2): an H flag and a length in
 * the first byte, then that many bytes. The length is checked against the
 * block before anything is read, so a Huffman decode allocates at most 8/5 of
 * bytes that were actually received.
 */
function readStringLiteral(reader: BlockReader, huffmanFlag: number, lengthPrefixBits: number): Uint8Array {
  const isHuffman = (reader.peekByte() & huffmanFlag) !== 0;
  const length = reader.readPrefixedInteger(lengthPrefixBits);
  const bytes = reader.readBytes(length);
  return isHuffman ? huffmanDecode(bytes) : bytes;
}

function staticEntry(index: number): StaticTableEntry {
  const entry = QPACK_STATIC_TABLE[index];
  if (entry === undefined) throw new QpackError(`static table index ${index} is out of range`);
  return entry;
}

/** Bytes allowed in a field name: tchar from RFC 9110 Section 5.6.2, minus uppercase letters. */
const FIELD_NAME_BYTES = (() => {
  const allowed = new Uint8Array(128);
  for (const char of "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") allowed[char.charCodeAt(0)] = 1;
  return allowed;
})();

const COLON = 0x3a;

/** A field name must be a nonempty lowercase token, optionally after the ":" of a pseudo-header field. */
function validateFieldName(name: Uint8Array): void {
  const start = name[0] === COLON ? 1 : 0;
  if (name.length === start) throw new QpackError("field name is empty");
  for (let i = start; i < name.length; i++) {
    const byte = name[i] ?? 0;
    if (FIELD_NAME_BYTES[byte] === 1) continue;
    if (byte >= 0x41 && byte <= 0x5a) throw new QpackError("field name contains an uppercase character");
    throw new QpackError(`field name contains the invalid byte 0x${byte.toString(16).padStart(2, "0")}`);
  }
}

/**
 * RFC 9114 Section 10.3: NUL, CR and LF in a value make the message
 * malformed; they are the characters that enable attacks if passed on.
 */
function validateFieldValue(value: Uint8Array): void {
  for (let i = 0; i < value.length; i++) {
    const byte = value[i];
    if (byte === 0x00 || byte === 0x0a || byte === 0x0d) {
      throw new QpackError("field value contains NUL, CR or LF");
    }
  }
}

/** The running field section size, failing as soon as it exceeds the limit. */
class SectionSizeTracker {
  private total = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(bytes: number): void {
    this.total += bytes;
    if (this.total > this.limit) throw new FieldSectionTooLarge(this.limit);
  }
}

/** A cursor over an encoded field section; every read is checked against the end of the block. */
class BlockReader {
  private offset = 0;
  private readonly block: Uint8Array;

  constructor(block: Uint8Array) {
    this.block = block;
  }

  get atEnd(): boolean {
    return this.offset >= this.block.length;
  }

  peekByte(): number {
    const byte = this.block[this.offset];
    if (byte === undefined) throw new QpackError("field section is truncated");
    return byte;
  }

  readByte(): number {
    const byte = this.peekByte();
    this.offset++;
    return byte;
  }

  /** A view of the next length bytes (no copy). */
  readBytes(length: number): Uint8Array {
    if (length > this.block.length - this.offset) {
      throw new QpackError(`string length ${length} runs past the end of the field section`);
    }
    const bytes = this.block.subarray(this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }

  /**
   * Reads a prefixed integer (RFC 7541 Section 5.1) whose prefix is the low
   * prefixBits bits of the next byte; the caller has already looked at the
   * flag bits above it.
   */
  readPrefixedInteger(prefixBits: number): number {
    const prefixMax = (1 << prefixBits) - 1;
    const prefixValue = this.readByte() & prefixMax;
    if (prefixValue < prefixMax) return prefixValue;
    let value = prefixMax;
    let multiplier = 1;
    for (let count = 0; count < MAX_INTEGER_CONTINUATION_BYTES; count++) {
      const byte = this.readByte();
      // Multiplying instead of shifting keeps the arithmetic exact beyond 32 bits.
      value += (byte & 0x7f) * multiplier;
      if (value > Number.MAX_SAFE_INTEGER) throw new QpackError("integer exceeds 2^53 - 1");
      if ((byte & 0x80) === 0) return value;
      multiplier *= 128;
    }
    throw new QpackError("integer encoding has too many continuation bytes");
  }
}

// ---------------------------------------------------------------------------
// Encoding

/** Static table index by "name\0value"; "\0" cannot occur in a valid name. */
const staticIndexByField = new Map<string, number>();
/** The lowest static table index for each name, for name references. */
const staticIndexByName = new Map<string, number>();
QPACK_STATIC_TABLE.forEach(([name, value], index) => {
  staticIndexByField.set(`${name}\0${value}`, index);
  if (!staticIndexByName.has(name)) staticIndexByName.set(name, index);
});

function writeFieldLine(writer: ByteWriter, { name, value }: HeaderField): void {
  const nameBytes = utf8Encoder.encode(name);
  const valueBytes = utf8Encoder.encode(value);
  assertEncodable(nameBytes, valueBytes, name);

  const fieldIndex = staticIndexByField.get(`${name}\0${value}`);
  if (fieldIndex !== undefined) {
    writer.writePrefixedInteger(INDEXED_FIELD_LINE | INDEXED_STATIC_FLAG, 6, fieldIndex);
    return;
  }
  const nameIndex = staticIndexByName.get(name);
  if (nameIndex !== undefined) {
    writer.writePrefixedInteger(LITERAL_WITH_NAME_REFERENCE | NAME_REFERENCE_STATIC_FLAG, 4, nameIndex);
  } else {
    writer.writeStringLiteral(LITERAL_WITH_LITERAL_NAME, LITERAL_NAME_HUFFMAN_FLAG, 3, nameBytes);
  }
  writer.writeStringLiteral(0x00, VALUE_HUFFMAN_FLAG, 7, valueBytes);
}

function assertEncodable(nameBytes: Uint8Array, valueBytes: Uint8Array, name: string): void {
  try {
    validateFieldName(nameBytes);
    validateFieldValue(valueBytes);
  } catch (error) {
    if (error instanceof QpackError) throw new RangeError(`cannot encode field "${name}": ${error.message}`);
    throw error;
  }
}

/** An append-only byte buffer that doubles its capacity as needed. */
class ByteWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  writeByte(byte: number): void {
    this.reserve(1);
    this.buffer[this.length++] = byte;
  }

  writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * Writes a prefixed integer (RFC 7541 Section 5.1): the value goes in the
   * low prefixBits bits of the first byte, OR-ed with flags, then continues
   * in 7-bit groups.
   */
  writePrefixedInteger(flags: number, prefixBits: number, value: number): void {
    const prefixMax = (1 << prefixBits) - 1;
    if (value < prefixMax) {
      this.writeByte(flags | value);
      return;
    }
    this.writeByte(flags | prefixMax);
    let rest = value - prefixMax;
    while (rest >= 0x80) {
      this.writeByte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.writeByte(rest);
  }

  /** Writes a string literal, Huffman-encoded only when that is strictly shorter. */
  writeStringLiteral(flags: number, huffmanFlag: number, lengthPrefixBits: number, bytes: Uint8Array): void {
    const huffmanLength = huffmanEncodedLength(bytes);
    if (huffmanLength < bytes.length) {
      this.writePrefixedInteger(flags | huffmanFlag, lengthPrefixBits, huffmanLength);
      this.writeBytes(huffmanEncode(bytes));
    } else {
      this.writePrefixedInteger(flags, lengthPrefixBits, bytes.length);
      this.writeBytes(bytes);
    }
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
