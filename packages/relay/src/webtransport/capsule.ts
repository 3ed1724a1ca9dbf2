// Capsules on a WebTransport session's CONNECT stream (RFC 9297; draft-ietf-webtrans-http3 section 5).
import { concatBytes, readVarint, varintLength, writeVarint } from "@moqkit/sdk/wire";

export const CapsuleType = {
  CLOSE_WEBTRANSPORT_SESSION: 0x2843,
  DRAIN_WEBTRANSPORT_SESSION: 0x78ae,
} as const;

/** The spec's limit on a close reason, in bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 1024;

export interface Capsule {
  type: number;
  payload: Uint8Array;
}

export function encodeCapsule(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintLength(type) + varintLength(payload.length) + payload.length);
  const offset = writeVarint(out, writeVarint(out, 0, type), payload.length);
  out.set(payload, offset);
  return out;
}

export function encodeCloseSession(closeCode: number, reason: string): Uint8Array {
  const reasonBytes = truncateUtf8(reason, MAX_CLOSE_REASON_BYTES);
  const payload = new Uint8Array(4 + reasonBytes.length);
  new DataView(payload.buffer).setUint32(0, closeCode >>> 0);
  payload.set(reasonBytes, 4);
  return encodeCapsule(CapsuleType.CLOSE_WEBTRANSPORT_SESSION, payload);
}

/** Decodes a CLOSE_WEBTRANSPORT_SESSION payload; `undefined` if malformed. */
export function decodeCloseSession(payload: Uint8Array): { closeCode: number; reason: string } | undefined {
  if (payload.length < 4 || payload.length > 4 + MAX_CLOSE_REASON_BYTES) return undefined;
  const closeCode = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  const reason = new TextDecoder("utf-8", { fatal: false }).decode(payload.subarray(4));
  return { closeCode, reason };
}

/**
 * Parses capsules out of a byte stream that arrives in pieces (the payloads of DATA frames).
 * Capsule payloads above `maxPayload` are refused rather than buffered.
 */
export class CapsuleParser {
  #buffer: Uint8Array = new Uint8Array(0);
  /** Bytes still to drop of a skipped capsule. */
  #skipping = 0;

  /**
   * @param maxPayload the largest capsule payload kept; a larger one is refused (RangeError).
   * @param keep when given, only these capsule types are kept: others are skipped unbuffered,
   *   whatever their size, as the spec asks for unknown capsules.
   */
  constructor(
    private readonly maxPayload: number,
    private readonly keep?: ReadonlySet<number>,
  ) {}

  /** Adds bytes; returns the capsules completed by them. Throws RangeError on an oversized capsule. */
  push(bytes: Uint8Array): Capsule[] {
    let input = bytes;
    if (this.#skipping > 0) {
      const dropped = Math.min(this.#skipping, input.length);
      this.#skipping -= dropped;
      input = input.subarray(dropped);
    }
    this.#buffer = this.#buffer.length === 0 ? input : concatBytes(this.#buffer, input);
    const capsules: Capsule[] = [];
    let offset = 0;
    for (;;) {
      const type = readVarint(this.#buffer, offset);
      const length = type && readVarint(this.#buffer, type.next);
      if (type === undefined || length === undefined) break;
      const end = length.next + length.value;
      if (this.keep !== undefined && !this.keep.has(type.value)) {
        offset = Math.min(end, this.#buffer.length);
        this.#skipping = end - offset;
        continue;
      }
      if (length.value > this.maxPayload) {
        throw new RangeError(`capsule 0x${type.value.toString(16)} of ${length.value} bytes is too large`);
      }
      if (end > this.#buffer.length) break;
      capsules.push({ type: type.value, payload: this.#buffer.slice(length.next, end) });
      offset = end;
    }
    this.#buffer = this.#buffer.subarray(offset);
    return capsules;
  }

  get pendingBytes(): number {
    return this.#buffer.length;
  }
}

function truncateUtf8(text: string, maxBytes: number): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--; // do not cut a character in half
  return bytes.subarray(0, end);
}
