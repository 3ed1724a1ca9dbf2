// QUIC variable-length integers (RFC 9000 section 16): 1, 2, 4 or 8 bytes, the top two bits of the
// first byte giving the length. Values are JavaScript numbers: exact up to 2^53 - 1; larger 62-bit
// values (GREASE identifiers, say) come out rounded, which is enough to recognise and skip them.

export const MAX_VARINT = 2 ** 62 - 1;

export class VarintRangeError extends RangeError {
  override readonly name = "VarintRangeError";
}

/** Bytes needed to encode `value`. */
export function varintLength(value: number): 1 | 2 | 4 | 8 {
  if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT) {
    throw new VarintRangeError(`a QUIC varint holds an integer in 0..2^62-1, got ${value}`);
  }
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  return 8;
}

/** Writes `value` at `offset`; returns the offset after it. */
export function writeVarint(target: Uint8Array, offset: number, value: number): number {
  const length = varintLength(value);
  switch (length) {
    case 1:
      target[offset] = value;
      break;
    case 2:
      target[offset] = 0x40 | (value >> 8);
      target[offset + 1] = value & 0xff;
      break;
    case 4:
      target[offset] = 0x80 | (value >>> 24);
      target[offset + 1] = (value >>> 16) & 0xff;
      target[offset + 2] = (value >>> 8) & 0xff;
      target[offset + 3] = value & 0xff;
      break;
    case 8: {
      // MAX_VARINT (2^62 - 1) is not a double: it rounds up to 2^62, which stands for it here
      // (without this, 2^62 would wrap to the all-zero encoding of 0).
      if (value >= 2 ** 62) {
        target.fill(0xff, offset, offset + 8);
        break;
      }
      const high = Math.floor(value / 2 ** 32);
      const low = value >>> 0;
      target[offset] = 0xc0 | (high >>> 24);
      target[offset + 1] = (high >>> 16) & 0xff;
      target[offset + 2] = (high >>> 8) & 0xff;
      target[offset + 3] = high & 0xff;
      target[offset + 4] = low >>> 24;
      target[offset + 5] = (low >>> 16) & 0xff;
      target[offset + 6] = (low >>> 8) & 0xff;
      target[offset + 7] = low & 0xff;
      break;
    }
  }
  return offset + length;
}

export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value));
  writeVarint(out, 0, value);
  return out;
}

/** Length of the varint whose first byte is `first`. */
export function varintLengthFromFirstByte(first: number): 1 | 2 | 4 | 8 {
  return (1 << (first >> 6)) as 1 | 2 | 4 | 8;
}

/**
 * Reads a varint at `offset`. Returns `undefined` when `source` ends before the varint does
 * (the caller decides whether that means "wait for more" or "truncated").
 */
export function readVarint(source: Uint8Array, offset: number): { value: number; next: number } | undefined {
  if (offset >= source.length) return undefined;
  const first = source[offset] as number;
  const length = varintLengthFromFirstByte(first);
  if (offset + length > source.length) return undefined;
  let value = first & 0x3f;
  for (let i = 1; i < length; i++) value = value * 256 + (source[offset + i] as number);
  return { value, next: offset + length };
}
