import assert from "node:assert/strict";
import { HUFFMAN_CODES, HUFFMAN_EOS, huffmanDecode, huffmanEncode, huffmanEncodedLength } from "./huffman.ts";
import { QpackError } from "./qpack.ts";
import { hex, toHex } from "./test-bytes.ts";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** A fixed-seed xorshift32 generator, so failures reproduce. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state ^ (state << 13)) >>> 0;
    state = (state ^ (state >>> 17)) >>> 0;
    state = (state ^ (state << 5)) >>> 0;
    return state;
  };
}

/** Packs the codes of the given symbols, MSB first, then pads with the given bits to a whole byte. */
function packSymbols(symbols: readonly number[], padding: readonly (0 | 1)[]): Uint8Array {
  const bits: number[] = [];
  for (const symbol of symbols) {
    const [code, bitLength] = HUFFMAN_CODES[symbol] ?? [0, 0];
    for (let shift = bitLength - 1; shift >= 0; shift--) bits.push((code >>> shift) & 1);
  }
  bits.push(...padding);
  assert.equal(bits.length % 8, 0, "test vector must fill whole bytes");
  const bytes = new Uint8Array(bits.length / 8);
  bits.forEach((bit, i) => {
    bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (bit << (7 - (i & 7)));
  });
  return bytes;
}

function codeLength(symbol: number): number {
  return HUFFMAN_CODES[symbol]?.[1] ?? 0;
}

// RFC 7541 Appendix C.4 (requests) and C.6 (responses), copied from the RFC text.
const RFC_VECTORS: readonly [text: string, encoded: string][] = [
  ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
  ["no-cache", "a8eb 1064 9cbf"],
  ["custom-key", "25a8 49e9 5ba9 7d7f"],
  ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
  ["302", "6402"],
  ["private", "aec3 771a 4b"],
  ["Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"],
  ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
  ["307", "640e ff"],
  ["Mon, 21 Oct 2013 20:13:22 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff"],
  ["gzip", "9bd9 ab"],
  [
    "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
  ],
];

Deno.test("huffman table: 257 codes forming a complete prefix code", () => {
  assert.equal(HUFFMAN_CODES.length, 257);
  let kraftSum = 0n; // sum of 2^(30 - length), which must equal 2^30
  for (const [code, bitLength] of HUFFMAN_CODES) {
    assert.ok(bitLength >= 5 && bitLength <= 30, `length ${bitLength}`);
    assert.ok(code >= 0 && code < 2 ** bitLength, `code ${code} fits in ${bitLength} bits`);
    kraftSum += 1n << BigInt(30 - bitLength);
  }
  assert.equal(kraftSum, 1n << 30n);
  // No code is a prefix of another (together with Kraft = 1: a complete prefix code).
  const sorted = HUFFMAN_CODES.map(([code, bitLength]) => code.toString(2).padStart(bitLength, "0")).sort();
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(!(sorted[i] ?? "").startsWith(sorted[i - 1] ?? ""), `${sorted[i - 1]} prefixes ${sorted[i]}`);
  }
  assert.deepEqual(HUFFMAN_CODES[HUFFMAN_EOS], [0x3fffffff, 30]);
  // RFC 7541 Appendix B's own example: "/" (47) is 011000.
  assert.deepEqual(HUFFMAN_CODES[47], [0x18, 6]);
});

Deno.test("huffman: RFC 7541 C.4 and C.6 vectors encode and decode", () => {
  for (const [text, encodedHex] of RFC_VECTORS) {
    const raw = textEncoder.encode(text);
    const encoded = hex(encodedHex);
    assert.equal(toHex(huffmanEncode(raw)), toHex(encoded), `encode ${text}`);
    assert.equal(huffmanEncodedLength(raw), encoded.length, `length of ${text}`);
    assert.equal(textDecoder.decode(huffmanDecode(encoded)), text, `decode ${text}`);
  }
});

Deno.test("huffman: empty input", () => {
  assert.equal(huffmanEncode(new Uint8Array()).length, 0);
  assert.equal(huffmanEncodedLength(new Uint8Array()), 0);
  assert.equal(huffmanDecode(new Uint8Array()).length, 0);
});

Deno.test("huffman: every byte value round-trips", () => {
  const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(huffmanDecode(huffmanEncode(allBytes)), allBytes);
  for (let byte = 0; byte < 256; byte++) {
    const single = Uint8Array.of(byte);
    const encoded = huffmanEncode(single);
    assert.equal(encoded.length, huffmanEncodedLength(single));
    assert.equal(encoded.length, Math.ceil(codeLength(byte) / 8));
    assert.deepEqual(huffmanDecode(encoded), single);
  }
});

Deno.test("huffman: random byte strings round-trip", () => {
  const random = seededRandom(0x5eed);
  for (let round = 0; round < 2000; round++) {
    const length = random() % 200;
    // Alternate between all byte values and text-like bytes, which have short codes.
    const bytes = Uint8Array.from({ length }, () => (round % 2 === 0 ? random() & 0xff : 0x20 + (random() % 95)));
    const encoded = huffmanEncode(bytes);
    assert.equal(encoded.length, huffmanEncodedLength(bytes));
    assert.deepEqual(huffmanDecode(encoded), bytes);
  }
});

Deno.test("huffman: padding of up to 7 one bits is accepted", () => {
  for (let symbol = 0; symbol < 256; symbol++) {
    const paddingBits = (8 - (codeLength(symbol) % 8)) % 8;
    const bytes = packSymbols([symbol], Array(paddingBits).fill(1));
    assert.deepEqual(huffmanDecode(bytes), Uint8Array.of(symbol));
  }
});

Deno.test("huffman: padding longer than 7 bits is rejected", () => {
  // A whole byte of padding, alone or after a complete symbol.
  assert.throws(() => huffmanDecode(Uint8Array.of(0xff)), QpackError);
  const zero = 0x30; // "0", a 5-bit code
  assert.throws(() => huffmanDecode(packSymbols([zero], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])), /longer than 7 bits/);
  // A symbol cut short: 16 of the 30 bits of a long code look like padding.
  assert.throws(() => huffmanDecode(Uint8Array.of(0xff, 0xff)), /longer than 7 bits/);
});

Deno.test("huffman: padding that is not all ones is rejected", () => {
  const a = 0x61; // "a", 00011
  assert.throws(() => huffmanDecode(packSymbols([a], [0, 0, 0])), QpackError);
  assert.throws(() => huffmanDecode(packSymbols([a], [1, 1, 0])), /not all ones/);
  assert.throws(() => huffmanDecode(packSymbols([a], [0, 1, 1])), /not all ones/);
  assert.deepEqual(huffmanDecode(packSymbols([a], [1, 1, 1])), Uint8Array.of(a));
});

Deno.test("huffman: the EOS symbol inside a string is rejected", () => {
  assert.throws(() => huffmanDecode(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), /EOS/);
  const a = 0x61;
  assert.throws(() => huffmanDecode(packSymbols([a, HUFFMAN_EOS, a], [])), /EOS/);
  assert.throws(() => huffmanDecode(packSymbols([HUFFMAN_EOS, a], [1, 1, 1, 1, 1])), QpackError);
});

Deno.test("huffman: every 1- and 2-byte input either decodes or throws QpackError", () => {
  let decoded = 0;
  for (let length = 1; length <= 2; length++) {
    for (let value = 0; value < 1 << (8 * length); value++) {
      const bytes = length === 1 ? Uint8Array.of(value) : Uint8Array.of(value >> 8, value & 0xff);
      try {
        const output = huffmanDecode(bytes);
        // Whatever decodes must re-encode to the same bytes: the code and the padding are canonical.
        assert.deepEqual(huffmanEncode(output), bytes);
        decoded++;
      } catch (error) {
        assert.ok(error instanceof QpackError, String(error));
      }
    }
  }
  assert.ok(decoded > 0);
});

Deno.test("huffman: decoding a large input is linear", () => {
  const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 0xff);
  const encoded = huffmanEncode(bytes);
  const started = performance.now();
  assert.deepEqual(huffmanDecode(encoded), bytes);
  // Generous bound (a bit-at-a-time walk does ~20 MB/s even unoptimised); catches quadratic behaviour.
  assert.ok(performance.now() - started < 2000);
});
