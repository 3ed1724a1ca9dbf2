// A growable byte buffer for encoders. Every method validates its argument and throws
// EncodeError (never writes a wrong value silently).
import { EncodeError } from "./error.ts";
import { MAX_VARINT, varintLength, writeVarint } from "./varint.ts";

const utf8 = new TextEncoder();

export class Writer {
  #buffer: Uint8Array;
  #length = 0;

  constructor(capacity = 64) {
    this.#buffer = new Uint8Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  u8(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new EncodeError(`u8 out of range: ${value}`);
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
    return this;
  }

  /** Big-endian 16-bit integer (the control message length). */
  u16(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new EncodeError(`u16 out of range: ${value}`);
    this.#reserve(2);
    this.#buffer[this.#length++] = value >> 8;
    this.#buffer[this.#length++] = value & 0xff;
    return this;
  }

  varint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT) {
      throw new EncodeError(`varint out of range (0..2^62-1): ${value}`);
    }
    this.#reserve(varintLength(value));
    this.#length = writeVarint(this.#buffer, this.#length, value);
    return this;
  }

  bytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
    return this;
  }

  /** A varint length then the bytes; a length above `max` throws. */
  lengthPrefixedBytes(bytes: Uint8Array, max = MAX_VARINT): this {
    if (bytes.length > max) throw new EncodeError(`${bytes.length} bytes exceed the maximum of ${max}`);
    return this.varint(bytes.length).bytes(bytes);
  }

  /** A length-prefixed UTF-8 string; more than `max` encoded bytes throws. */
  string(value: string, max = MAX_VARINT): this {
    return this.lengthPrefixedBytes(utf8.encode(value), max);
  }

  boolean(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  /** The bytes written so far (a view of the internal buffer; later writes do not change it). */
  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}
