import assert from "node:assert/strict";
import { huffmanDecode } from "./huffman.ts";
import {
  decodeFieldSection,
  encodeFieldSection,
  FieldSectionTooLarge,
  type HeaderField,
  QpackError,
  type QpackLimits,
} from "./qpack.ts";
import { QPACK_STATIC_TABLE } from "./qpack-static-table.ts";
import { hex, toHex } from "./test-bytes.ts";

const NO_LIMIT: QpackLimits = { maxFieldSectionSize: Number.POSITIVE_INFINITY };
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function ascii(text: string): Uint8Array {
  return textEncoder.encode(text);
}

function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  const bytes = parts.flatMap((part) => Array.from(part));
  return Uint8Array.from(bytes);
}

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

function sectionSize(fields: readonly HeaderField[]): number {
  return fields.reduce((sum, { name, value }) => sum + ascii(name).length + ascii(value).length + 32, 0);
}

/** Decodes, insisting that the only possible failures are the codec's own errors. */
function decodeOrCodecError(block: Uint8Array, limits: QpackLimits): HeaderField[] | "error" {
  try {
    return decodeFieldSection(block, limits);
  } catch (error) {
    if (error instanceof QpackError || error instanceof FieldSectionTooLarge) return "error";
    throw new Error(`unexpected ${String(error)} for block ${toHex(block)}`);
  }
}

// Huffman strings below were produced with huffmanEncode (itself checked against the RFC 7541
// vectors); the test "Huffman parts of the Chromium block" decodes them back to be sure.
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const USER_AGENT_HUFFMAN = hex(
  "d07f 66a2 81b0 dae0 53fa fc08 7ed4 ce6a adf2 a797 9c89 c6bf b521 aeba 0bc8 b1e6 3258 6d97 5765 c53f" +
    "acd8 f7e8 cff4 a506 ea55 3114 9d4f fda9 7a7b 0f49 580b 215c 0b81 7029 b872 8ec3 30db 2eae cb9f",
);
const WT_AVAILABLE_PROTOCOLS_HUFFMAN = hex("f095 87dc 66a0 71d0 55ab b0e9 390f 423f");
// RFC 7541 C.6.1: "https://www.example.com".
const ORIGIN_HUFFMAN = hex("9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3");

/** An extended CONNECT for WebTransport as Chromium sends it, written out by hand (RFC 9204 Section 4.5). */
const CHROMIUM_CONNECT_BLOCK = concat(
  [0x00], // Required Insert Count = 0 (8-bit prefix)
  [0x00], // Sign = 0, Delta Base = 0 (7-bit prefix)
  [0xc0 | 15], // Indexed Field Line, T=1 (static), index 15: ":method: CONNECT"
  [0x20 | 0x07, 9 - 7], // Literal Field Line with Literal Name, N=0, H=0, name length 9 = 7 + 2 (3-bit prefix)
  ascii(":protocol"),
  [12], // value: H=0, length 12
  ascii("webtransport"),
  [0xc0 | 23], // Indexed Field Line, static 23: ":scheme: https"
  [0x50 | 0], // Literal Field Line with Name Reference, N=0, T=1, static 0 (:authority)
  [14],
  ascii("127.0.0.1:4443"),
  [0x50 | 1], // Literal Field Line with Name Reference, static 1 (:path)
  [8],
  ascii("/moq?x=1"),
  [0x50 | 0x0f, 90 - 15], // Literal Field Line with Name Reference, static 90 (origin) = 15 + 75 (4-bit prefix)
  [0x80 | ORIGIN_HUFFMAN.length], // value: H=1, length 17
  ORIGIN_HUFFMAN,
  [0x20 | 0x07, 30 - 7], // Literal Field Line with Literal Name, name length 30 = 7 + 23
  ascii("sec-webtransport-http3-draft02"),
  [1],
  ascii("1"),
  [0x20 | 0x08 | 0x07, WT_AVAILABLE_PROTOCOLS_HUFFMAN.length - 7], // Literal Name, H=1, length 16 = 7 + 9
  WT_AVAILABLE_PROTOCOLS_HUFFMAN,
  [24],
  ascii('"moqt-15", "moq-lite-02"'),
  [0x50 | 0x0f, 95 - 15], // Literal Field Line with Name Reference, static 95 (user-agent) = 15 + 80
  [0x80 | USER_AGENT_HUFFMAN.length], // value: H=1, length 78
  USER_AGENT_HUFFMAN,
  [0x70 | 0x0f, 72 - 15], // Literal Field Line with Name Reference, N=1 (never index), static 72 (accept-language)
  [14],
  ascii("en-US,en;q=0.9"),
);

const CHROMIUM_CONNECT_FIELDS: readonly HeaderField[] = [
  { name: ":method", value: "CONNECT" },
  { name: ":protocol", value: "webtransport" },
  { name: ":scheme", value: "https" },
  { name: ":authority", value: "127.0.0.1:4443" },
  { name: ":path", value: "/moq?x=1" },
  { name: "origin", value: "https://www.example.com" },
  { name: "sec-webtransport-http3-draft02", value: "1" },
  { name: "wt-available-protocols", value: '"moqt-15", "moq-lite-02"' },
  { name: "user-agent", value: USER_AGENT },
  { name: "accept-language", value: "en-US,en;q=0.9" },
];

Deno.test("static table: RFC 9204 Appendix A", () => {
  assert.equal(QPACK_STATIC_TABLE.length, 99);
  assert.deepEqual(QPACK_STATIC_TABLE[0], [":authority", ""]);
  assert.deepEqual(QPACK_STATIC_TABLE[1], [":path", "/"]);
  assert.deepEqual(QPACK_STATIC_TABLE[15], [":method", "CONNECT"]);
  assert.deepEqual(QPACK_STATIC_TABLE[23], [":scheme", "https"]);
  assert.deepEqual(QPACK_STATIC_TABLE[25], [":status", "200"]);
  assert.deepEqual(QPACK_STATIC_TABLE[29], ["accept", "*/*"]);
  assert.deepEqual(QPACK_STATIC_TABLE[85], [
    "content-security-policy",
    "script-src 'none'; object-src 'none'; base-uri 'none'",
  ]);
  assert.deepEqual(QPACK_STATIC_TABLE[90], ["origin", ""]);
  assert.deepEqual(QPACK_STATIC_TABLE[95], ["user-agent", ""]);
  assert.deepEqual(QPACK_STATIC_TABLE[98], ["x-frame-options", "sameorigin"]);
  for (const [name] of QPACK_STATIC_TABLE) assert.match(name, /^:?[a-z0-9-]+$/);
});

Deno.test("decode: RFC 9204 Appendix B.1 (static name reference)", () => {
  const block = hex("0000 510b 2f69 6e64 6578 2e68 746d 6c");
  assert.deepEqual(decodeFieldSection(block, NO_LIMIT), [{ name: ":path", value: "/index.html" }]);
});

Deno.test("decode: Huffman parts of the Chromium block", () => {
  assert.equal(textDecoder.decode(huffmanDecode(USER_AGENT_HUFFMAN)), USER_AGENT);
  assert.equal(textDecoder.decode(huffmanDecode(WT_AVAILABLE_PROTOCOLS_HUFFMAN)), "wt-available-protocols");
  assert.equal(textDecoder.decode(huffmanDecode(ORIGIN_HUFFMAN)), "https://www.example.com");
});

Deno.test("decode: Chromium WebTransport extended CONNECT", () => {
  assert.deepEqual(decodeFieldSection(CHROMIUM_CONNECT_BLOCK, { maxFieldSectionSize: 16384 }), CHROMIUM_CONNECT_FIELDS);
});

Deno.test("decode: Base is skipped when the Required Insert Count is 0", () => {
  // Sign = 1 and a multi-byte Delta Base: meaningless without dynamic references, so ignored.
  const block = concat([0x00, 0xff, 0x05], [0xc0 | 25]);
  assert.deepEqual(decodeFieldSection(block, NO_LIMIT), [{ name: ":status", value: "200" }]);
});

Deno.test("decode: an empty field section is valid", () => {
  assert.deepEqual(decodeFieldSection(hex("0000"), NO_LIMIT), []);
});

Deno.test("decode: multi-byte static indices at the ends of the table", () => {
  // 6-bit prefix: 98 = 63 + 35.
  assert.deepEqual(decodeFieldSection(hex("0000 ff23"), NO_LIMIT), [{ name: "x-frame-options", value: "sameorigin" }]);
  // 4-bit prefix name reference: 98 = 15 + 83.
  assert.deepEqual(decodeFieldSection(concat([0, 0, 0x5f, 83, 4], ascii("deny")), NO_LIMIT), [
    { name: "x-frame-options", value: "deny" },
  ]);
  // An integer spelled with redundant zero continuation bytes (10 of them) is still accepted.
  assert.deepEqual(decodeFieldSection(hex("0000 ff 8080808080808080 8000"), NO_LIMIT), [
    { name: ":status", value: "100" },
  ]);
});

Deno.test("decode: values are UTF-8, invalid sequences become U+FFFD, a BOM is kept", () => {
  const decode = (value: Uint8Array) => decodeFieldSection(concat([0, 0, 0x5f, 80, value.length], value), NO_LIMIT);
  assert.deepEqual(decode(ascii("h\u00e9llo \u2713")), [{ name: "user-agent", value: "h\u00e9llo \u2713" }]);
  assert.deepEqual(decode(Uint8Array.of(0x61, 0xff, 0x62)), [{ name: "user-agent", value: "a\ufffdb" }]);
  assert.deepEqual(decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x78)), [{ name: "user-agent", value: "\ufeffx" }]);
  assert.deepEqual(decode(ascii("a\tb")), [{ name: "user-agent", value: "a\tb" }]);
});

Deno.test("decode: a nonzero Required Insert Count is rejected", () => {
  assert.throws(() => decodeFieldSection(hex("0200 d9"), NO_LIMIT), /Required Insert Count/);
  // RFC 9204 Appendix B.2 and B.4 field sections, which use the dynamic table.
  assert.throws(() => decodeFieldSection(hex("0381 10 11"), NO_LIMIT), QpackError);
  assert.throws(() => decodeFieldSection(hex("0500 80 c1 81"), NO_LIMIT), QpackError);
});

Deno.test("decode: every dynamic table reference is rejected", () => {
  const cases: [block: string, message: RegExp][] = [
    ["0000 80", /Indexed Field Line references the dynamic table/],
    ["0000 10", /Post-Base Index/],
    ["0000 40 0161", /Name Reference references the dynamic table/],
    ["0000 60 0161", /Name Reference references the dynamic table/], // N=1, T=0
    ["0000 00 0161", /Post-Base Name Reference/],
    ["0000 08 0161", /Post-Base Name Reference/], // N=1
    ["0000 d9 80", /Indexed Field Line references the dynamic table/], // after a valid line
  ];
  for (const [block, message] of cases) {
    assert.throws(
      () => decodeFieldSection(hex(block), NO_LIMIT),
      (error) => {
        assert.ok(error instanceof QpackError);
        assert.match(error.message, message);
        assert.equal(error.code, 0x200);
        return true;
      },
    );
  }
});

Deno.test("decode: out-of-range static indices are rejected", () => {
  assert.throws(() => decodeFieldSection(hex("0000 ff24"), NO_LIMIT), /static table index 99/); // 63 + 36
  assert.throws(() => decodeFieldSection(hex("0000 5f54 0161"), NO_LIMIT), /static table index 99/); // 15 + 84
  assert.throws(() => decodeFieldSection(hex("0000 ffff ffff ffff 7f"), NO_LIMIT), /out of range/);
});

Deno.test("decode: truncated blocks and strings", () => {
  assert.throws(() => decodeFieldSection(new Uint8Array(), NO_LIMIT), /truncated/);
  assert.throws(() => decodeFieldSection(hex("00"), NO_LIMIT), /truncated/);
  assert.throws(() => decodeFieldSection(hex("0000 51 05 2f61"), NO_LIMIT), /runs past the end/);
  assert.throws(() => decodeFieldSection(hex("0000 51"), NO_LIMIT), /truncated/);
  // A huge but representable length must fail on the bounds check, not by allocating.
  assert.throws(() => decodeFieldSection(hex("0000 51 7f ffffffff0f 2f"), NO_LIMIT), /runs past the end/);
  assert.throws(() => decodeFieldSection(hex("0000 27 7f ffffffff0f"), NO_LIMIT), /runs past the end/);
});

Deno.test("decode: truncation at every offset of a valid block", () => {
  const boundaries: number[] = [];
  for (let cut = 0; cut < CHROMIUM_CONNECT_BLOCK.length; cut++) {
    const prefix = CHROMIUM_CONNECT_BLOCK.subarray(0, cut);
    let fields: HeaderField[];
    try {
      fields = decodeFieldSection(prefix, NO_LIMIT);
    } catch (error) {
      assert.ok(error instanceof QpackError, `cut at ${cut}: ${String(error)}`);
      continue;
    }
    // A cut between two field lines is indistinguishable from a shorter valid block.
    assert.deepEqual(fields, CHROMIUM_CONNECT_FIELDS.slice(0, fields.length), `cut at ${cut}`);
    boundaries.push(cut);
  }
  // Exactly one successful cut per field line start: after the prefix and after each line but the last.
  assert.equal(boundaries.length, CHROMIUM_CONNECT_FIELDS.length);
  assert.equal(boundaries[0], 2);
});

Deno.test("decode: oversized and overlong integers are rejected", () => {
  // 2^56-ish: more than 2^53 - 1.
  assert.throws(() => decodeFieldSection(hex("ff ffffffffffffffff7f 00"), NO_LIMIT), /exceeds 2\^53/);
  assert.throws(() => decodeFieldSection(hex("0000 51 7f ffffffffffffffff7f"), NO_LIMIT), /exceeds 2\^53/);
  // 11 continuation bytes, all carrying zero.
  assert.throws(() => decodeFieldSection(hex("0000 ff 8080808080808080808000"), NO_LIMIT), /too many continuation/);
  // A continuation that never ends.
  assert.throws(() => decodeFieldSection(hex("0000 ff 8080"), NO_LIMIT), /truncated/);
});

Deno.test("decode: field names must be lowercase tokens", () => {
  const literalName = (name: Uint8Array) =>
    decodeFieldSection(
      concat([0, 0, 0x20 | Math.min(name.length, 7)], name.length >= 7 ? [name.length - 7] : [], name, [0]),
      NO_LIMIT,
    );
  assert.deepEqual(literalName(ascii("x-custom_name.1")), [{ name: "x-custom_name.1", value: "" }]);
  assert.throws(() => literalName(ascii("Foo")), /uppercase/);
  assert.throws(() => literalName(ascii("x-Custom")), /uppercase/);
  assert.throws(() => literalName(ascii(":Path")), /uppercase/);
  assert.throws(() => literalName(ascii("")), /empty/);
  assert.throws(() => literalName(ascii(":")), /empty/);
  assert.throws(() => literalName(ascii("a b")), /invalid byte 0x20/);
  assert.throws(() => literalName(ascii("a:b")), /invalid byte 0x3a/);
  assert.throws(() => literalName(ascii("::a")), /invalid byte 0x3a/);
  assert.throws(() => literalName(Uint8Array.of(0x61, 0x00)), /invalid byte 0x00/);
  assert.throws(() => literalName(Uint8Array.of(0x61, 0xc3, 0xa9)), /invalid byte 0xc3/);
  // Uppercase hidden behind Huffman coding is caught too: "Foo" Huffman-encoded by hand.
  // F = 1100001 (7 bits), o = 00111 (5 bits), o = 00111, padding 1111111 -> c2 73 ff.
  assert.equal(textDecoder.decode(huffmanDecode(hex("c273ff"))), "Foo");
  assert.throws(() => decodeFieldSection(hex("0000 2b c273ff 00"), NO_LIMIT), /uppercase/);
});

Deno.test("decode: values containing NUL, CR or LF are rejected", () => {
  for (const bad of [0x00, 0x0a, 0x0d]) {
    const block = concat([0, 0, 0x51, 3], [0x2f, bad, 0x61]);
    assert.throws(() => decodeFieldSection(block, NO_LIMIT), /NUL, CR or LF/);
  }
});

Deno.test("decode: Huffman errors surface as QpackError", () => {
  // Value 0x18: "a" (00011) followed by padding 000.
  assert.throws(() => decodeFieldSection(hex("0000 51 81 18"), NO_LIMIT), /padding/);
  // Value ff ff ff ff: the EOS symbol.
  assert.throws(() => decodeFieldSection(hex("0000 51 84 ffffffff"), NO_LIMIT), /EOS/);
});

Deno.test("decode: maxFieldSectionSize", () => {
  const exact = sectionSize(CHROMIUM_CONNECT_FIELDS);
  assert.deepEqual(decodeFieldSection(CHROMIUM_CONNECT_BLOCK, { maxFieldSectionSize: exact }), CHROMIUM_CONNECT_FIELDS);
  assert.throws(
    () => decodeFieldSection(CHROMIUM_CONNECT_BLOCK, { maxFieldSectionSize: exact - 1 }),
    (error) => error instanceof FieldSectionTooLarge && error.code === 0x10e && error.limit === exact - 1,
  );
  // ":method: CONNECT" alone is 7 + 7 + 32 = 46.
  assert.deepEqual(decodeFieldSection(hex("0000 cf"), { maxFieldSectionSize: 46 }).length, 1);
  assert.throws(() => decodeFieldSection(hex("0000 cf"), { maxFieldSectionSize: 45 }), FieldSectionTooLarge);
  // A name alone can exceed the limit before its value is read (here the value is even truncated).
  assert.throws(
    () =>
      decodeFieldSection(concat([0, 0, 0x27, 30 - 7], ascii("sec-webtransport-http3-draft02"), [0x05]), {
        maxFieldSectionSize: 50,
      }),
    FieldSectionTooLarge,
  );
  // Many tiny lines: the running total trips long before the end.
  const manyLines = concat([0, 0], new Uint8Array(100_000).fill(0xc0 | 25));
  assert.throws(() => decodeFieldSection(manyLines, { maxFieldSectionSize: 16384 }), FieldSectionTooLarge);
  // The limit counts decoded bytes: a Huffman value decodes to more bytes than it occupies.
  const huffmanZeros = new Uint8Array(100).fill(0); // "0" is 00000: 160 decoded bytes
  const block = concat([0, 0, 0x51, 0x80 | 100], huffmanZeros);
  assert.throws(() => decodeFieldSection(block, { maxFieldSectionSize: 32 + 5 + 150 }), FieldSectionTooLarge);
  assert.equal(decodeFieldSection(block, { maxFieldSectionSize: 32 + 5 + 160 })[0]?.value, "0".repeat(160));
});

Deno.test("encode: exact bytes for the three representations", () => {
  assert.equal(toHex(encodeFieldSection([])), "0000");
  // Indexed Field Line, static 25 and (6-bit prefix overflow) 66.
  assert.equal(toHex(encodeFieldSection([{ name: ":status", value: "200" }])), "0000d9");
  assert.equal(toHex(encodeFieldSection([{ name: ":status", value: "302" }])), "0000ff03");
  // Literal with static Name Reference 0 and a Huffman value (RFC 7541 C.4.1 string).
  assert.equal(
    toHex(encodeFieldSection([{ name: ":authority", value: "www.example.com" }])),
    "0000508cf1e3c2e5f23a6ba0ab90f4ff",
  );
  // Literal with Literal Name: both strings Huffman-encoded (RFC 7541 C.4.3 strings); name length 8 = 7 + 1.
  assert.equal(
    toHex(encodeFieldSection([{ name: "custom-key", value: "custom-value" }])),
    "00002f0125a849e95ba97d7f8925a849e95bb8e8b4bf",
  );
  // "1" Huffman-encodes to a whole byte too, so it stays raw.
  assert.ok(toHex(encodeFieldSection([{ name: "sec-webtransport-http3-draft02", value: "1" }])).endsWith("0131"));
  // Uses the first static entry with the name: 29 for accept.
  assert.equal(toHex(encodeFieldSection([{ name: "accept", value: "~" }])).slice(0, 8), "00005f0e");
});

Deno.test("encode: rejects fields no decoder would accept", () => {
  assert.throws(() => encodeFieldSection([{ name: "Content-Type", value: "x" }]), RangeError);
  assert.throws(() => encodeFieldSection([{ name: "", value: "x" }]), RangeError);
  assert.throws(() => encodeFieldSection([{ name: "x-a", value: "a\r\nb" }]), RangeError);
});

Deno.test("encode -> decode round trips", () => {
  const sections: HeaderField[][] = [
    [...CHROMIUM_CONNECT_FIELDS],
    [
      { name: ":status", value: "200" },
      { name: "sec-webtransport-http3-draft", value: "draft02" },
      { name: "wt-protocol", value: '"moqt-15"' },
      { name: "server", value: "moqkit" },
      { name: "content-security-policy", value: "script-src 'none'; object-src 'none'; base-uri 'none'" },
    ],
    [
      { name: "x-empty", value: "" },
      { name: "cookie", value: "" },
      { name: "x-unicode", value: "h\u00e9llo \u2713 \ud83d\ude80" },
      { name: "x-long", value: "abc~".repeat(5000) },
      { name: "x-tildes", value: "~~~~~~~~" },
      { name: `x-${"n".repeat(300)}`, value: "v" },
      { name: "x-dup", value: "1" },
      { name: "x-dup", value: "2" },
    ],
    QPACK_STATIC_TABLE.map(([name, value]) => ({ name, value })),
  ];
  for (const fields of sections) {
    assert.deepEqual(decodeFieldSection(encodeFieldSection(fields), NO_LIMIT), fields);
  }
  // Every static entry is encoded as a one- or two-byte Indexed Field Line.
  for (const [index, [name, value]] of QPACK_STATIC_TABLE.entries()) {
    assert.equal(encodeFieldSection([{ name, value }]).length, 2 + (index < 63 ? 1 : 2));
  }
});

Deno.test("fuzz: random and mutated blocks only ever fail with codec errors", () => {
  const random = seededRandom(20240613);
  const seeds = [
    CHROMIUM_CONNECT_BLOCK,
    hex("0000 510b 2f69 6e64 6578 2e68 746d 6c"),
    encodeFieldSection([
      { name: ":status", value: "200" },
      { name: "custom-key", value: "custom-value" },
      { name: "x-long", value: "z".repeat(200) },
    ]),
  ];
  const limits: QpackLimits = { maxFieldSectionSize: 2048 };
  let decoded = 0;
  for (let round = 0; round < 20_000; round++) {
    const block = makeFuzzBlock(round % 3, random, seeds);
    const result = decodeOrCodecError(block, limits);
    if (result === "error") continue;
    decoded++;
    // Whatever decodes is valid input for the encoder and survives a round trip.
    assert.deepEqual(decodeFieldSection(encodeFieldSection(result), NO_LIMIT), result, toHex(block));
  }
  assert.ok(decoded > 100, `only ${decoded} blocks decoded`);
});

function makeFuzzBlock(kind: number, random: () => number, seeds: readonly Uint8Array[]): Uint8Array {
  const randomBytes = (length: number) => Uint8Array.from({ length }, () => random() & 0xff);
  if (kind === 0) return randomBytes(random() % 48);
  if (kind === 1) return concat([0, 0], randomBytes(random() % 48));
  const bytes = Array.from(seeds[random() % seeds.length] ?? []);
  const mutations = 1 + (random() % 4);
  for (let i = 0; i < mutations; i++) {
    const at = random() % (bytes.length + 1);
    switch (random() % 5) {
      case 0:
        bytes[at] = (bytes[at] ?? 0) ^ (1 << (random() % 8));
        break;
      case 1:
        bytes[at] = random() & 0xff;
        break;
      case 2:
        bytes.splice(at, 0, random() & 0xff);
        break;
      case 3:
        bytes.splice(at, 1);
        break;
      default:
        bytes.length = at;
    }
  }
  return Uint8Array.from(bytes);
}
