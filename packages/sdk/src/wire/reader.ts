// Reads fields from one complete buffer: a control message payload or a datagram. Every read is
// bounds-checked before anything is allocated, and `bytes` returns views, so an untrusted length
// can never make the reader allocate more than the buffer it was given.
import { ProtocolViolation, SessionErrorCode, violation } from "./error.ts";
import { readVarint, varintLengthFromFirstByte } from "./varint.ts";

// ignoreBOM: a leading U+FEFF is text like any other, not a marker to strip.
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export class Reader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  u8(what = "u8"): number {
    if (this.#offset >= this.#bytes.length) throw violation(`${what} truncated`);
    return this.#bytes[this.#offset++] as number;
  }

  varint(what = "varint"): number {
    const result = readVarint(this.#bytes, this.#offset);
    if (result === undefined) throw violation(`${what} truncated`);
    this.#offset = result.next;
    return result.value;
  }

  /**
   * A varint and whether its wire value is odd. Above 2^53 the number is rounded (and so even),
   * but Key-Value-Pair types take their shape from the parity of the exact value.
   */
  varintWithParity(what = "varint"): { value: number; odd: boolean } {
    const start = this.#offset;
    const value = this.varint(what);
    const last = this.#bytes[start + varintLengthFromFirstByte(this.#bytes[start] as number) - 1] as number;
    return { value, odd: (last & 1) === 1 };
  }

  /** A view of the next `length` bytes (no copy). */
  bytes(length: number, what = "bytes"): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad length ${length}`);
    if (length > this.remaining) throw violation(`${what} truncated`);
    const out = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  /** A varint length then that many bytes; a length above `max` is a protocol violation. */
  lengthPrefixedBytes(max: number, what = "bytes"): Uint8Array {
    const length = this.varint(`${what} length`);
    if (length > max) throw violation(`${what} length ${length} exceeds ${max}`);
    return this.bytes(length, what);
  }

  /** A length-prefixed UTF-8 string (invalid sequences become U+FFFD). */
  string(max: number, what = "string"): string {
    return utf8.decode(this.lengthPrefixedBytes(max, what));
  }

  /** A u8 that must be 0 or 1. */
  boolean(what = "boolean"): boolean {
    const value = this.u8(what);
    if (value > 1) throw violation(`${what} must be 0 or 1, got ${value}`);
    return value === 1;
  }

  /** Everything left (a view). */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Throws if any bytes are left: a message's length must match its fields exactly. */
  done(): void {
    if (this.remaining !== 0) {
      throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, `${this.remaining} trailing bytes`);
    }
  }
}
