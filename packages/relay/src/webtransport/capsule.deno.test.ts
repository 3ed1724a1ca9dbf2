import assert from "node:assert/strict";
import { encodeVarint } from "@moqkit/sdk/wire";
import {
  type Capsule,
  CapsuleParser,
  CapsuleType,
  decodeCloseSession,
  encodeCapsule,
  encodeCloseSession,
  MAX_CLOSE_REASON_BYTES,
} from "./capsule.ts";
import { concatBytes } from "./frames.ts";

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses `bytes` as exactly one capsule. */
function parseOne(bytes: Uint8Array): Capsule {
  const parser = new CapsuleParser(4096);
  const capsules = parser.push(bytes);
  assert.equal(capsules.length, 1);
  assert.equal(parser.pendingBytes, 0);
  return capsules[0] as Capsule;
}

function closeReasonBytes(reason: string): Uint8Array {
  const capsule = parseOne(encodeCloseSession(0, reason));
  return capsule.payload.subarray(4);
}

Deno.test("CLOSE_WEBTRANSPORT_SESSION round-trips code and reason", () => {
  for (const closeCode of [0, 1, 0x1e, 0x7fffffff, 0x80000000, 0xffffffff]) {
    for (const reason of ["", "bye", "é🎉 ünïcödé", "x".repeat(MAX_CLOSE_REASON_BYTES)]) {
      const capsule = parseOne(encodeCloseSession(closeCode, reason));
      assert.equal(capsule.type, CapsuleType.CLOSE_WEBTRANSPORT_SESSION);
      assert.deepEqual(decodeCloseSession(capsule.payload), { closeCode, reason });
    }
  }
});

Deno.test("CLOSE_WEBTRANSPORT_SESSION wire bytes: 2-byte type, length, 32-bit big-endian code, UTF-8 reason", () => {
  assert.deepEqual(
    encodeCloseSession(0x01020304, "ok"),
    Uint8Array.of(0x68, 0x43, 0x06, 0x01, 0x02, 0x03, 0x04, 0x6f, 0x6b),
  );
});

Deno.test("a close reason is cut to 1024 bytes without splitting a UTF-8 character", () => {
  assert.equal(closeReasonBytes("a".repeat(5000)).length, MAX_CLOSE_REASON_BYTES);
  // A character of 1 to 4 bytes placed across the limit at every alignment.
  for (const character of ["a", "é", "€", "🎉"]) {
    const width = utf8.encode(character).length;
    for (let filler = MAX_CLOSE_REASON_BYTES - 4; filler <= MAX_CLOSE_REASON_BYTES; filler++) {
      const reason = `${"x".repeat(filler)}${character.repeat(3)}`;
      const bytes = closeReasonBytes(reason);
      const text = strictUtf8.decode(bytes); // throws on a split character
      assert.ok(reason.startsWith(text), "the reason is a prefix of the original");
      assert.ok(bytes.length <= MAX_CLOSE_REASON_BYTES);
      // Maximal: one more character would not have fit.
      const whole = Math.min(
        3,
        Math.floor((MAX_CLOSE_REASON_BYTES - Math.min(filler, MAX_CLOSE_REASON_BYTES)) / width),
      );
      assert.equal(
        bytes.length,
        Math.min(filler, MAX_CLOSE_REASON_BYTES) + whole * width,
        `${character} after ${filler}`,
      );
    }
  }
});

Deno.test("decodeCloseSession refuses short and oversized payloads, tolerates bad UTF-8, honours byteOffset", () => {
  assert.equal(decodeCloseSession(Uint8Array.of(0, 0, 1)), undefined);
  assert.equal(decodeCloseSession(new Uint8Array(4 + MAX_CLOSE_REASON_BYTES + 1)), undefined);
  assert.deepEqual(decodeCloseSession(new Uint8Array(4)), { closeCode: 0, reason: "" });
  assert.deepEqual(decodeCloseSession(Uint8Array.of(0, 0, 0, 9, 0xff, 0x41)), { closeCode: 9, reason: "\ufffdA" });
  // A payload that is a view into a larger buffer.
  const buffer = Uint8Array.of(0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01, 0x00, 0x68, 0x69);
  assert.deepEqual(decodeCloseSession(buffer.subarray(3)), { closeCode: 256, reason: "hi" });
});

const SEQUENCE: Capsule[] = [
  { type: CapsuleType.CLOSE_WEBTRANSPORT_SESSION, payload: encodeCloseSession(7, "done").subarray(3) },
  { type: CapsuleType.DRAIN_WEBTRANSPORT_SESSION, payload: new Uint8Array(0) },
  { type: 0x1f * 3 + 0x21, payload: Uint8Array.from({ length: 100 }, (_, index) => index) }, // unknown / GREASE
  { type: 0x3fffffff + 1, payload: Uint8Array.of(1, 2, 3) }, // an 8-byte type
];
const ENCODED = concatBytes(...SEQUENCE.map((capsule) => encodeCapsule(capsule.type, capsule.payload)));

Deno.test("CapsuleParser fed one byte at a time yields each capsule exactly when it completes", () => {
  const ends: number[] = [];
  let end = 0;
  for (const capsule of SEQUENCE) {
    end += encodeCapsule(capsule.type, capsule.payload).length;
    ends.push(end);
  }
  const parser = new CapsuleParser(1024);
  const parsed: Capsule[] = [];
  for (let index = 0; index < ENCODED.length; index++) {
    const completed = parser.push(ENCODED.slice(index, index + 1));
    if (ends.includes(index + 1)) {
      assert.equal(completed.length, 1, `a capsule ends at byte ${index + 1}`);
      assert.equal(parser.pendingBytes, 0);
    } else {
      assert.equal(completed.length, 0, `nothing ends at byte ${index + 1}`);
      assert.ok(parser.pendingBytes > 0);
    }
    parsed.push(...completed);
  }
  assert.deepEqual(parsed, SEQUENCE);
});

Deno.test("CapsuleParser gives the same capsules for every split of the input, and copies payloads", () => {
  for (let offset = 0; offset <= ENCODED.length; offset++) {
    const parser = new CapsuleParser(1024);
    const first = ENCODED.slice(0, offset);
    const parsed = [...parser.push(first), ...parser.push(ENCODED.slice(offset))];
    first.fill(0xee); // the caller reusing its buffer must not change capsules already returned
    assert.deepEqual(parsed, SEQUENCE, `split at ${offset}`);
    assert.equal(parser.pendingBytes, 0);
  }
});

Deno.test("CapsuleParser throws RangeError on an oversized capsule as soon as its length is known", () => {
  const parser = new CapsuleParser(10);
  assert.equal(parser.push(encodeCapsule(0x2843, new Uint8Array(10))).length, 1, "at the limit is fine");
  // Only the type and the length of an 11-byte capsule: refused before the payload arrives.
  const header = concatBytes(encodeVarint(0x2843), encodeVarint(11));
  assert.throws(() => new CapsuleParser(10).push(header), RangeError);
  assert.throws(() => new CapsuleParser(10).push(concatBytes(header, new Uint8Array(11))), /too large/);
  // A huge length over one-byte pushes.
  const huge = new CapsuleParser(1024);
  const hugeHeader = concatBytes(encodeVarint(0x78ae), encodeVarint(2 ** 40));
  for (let index = 0; index < hugeHeader.length - 1; index++) huge.push(hugeHeader.slice(index, index + 1));
  assert.throws(() => huge.push(hugeHeader.slice(-1)), RangeError);
});

Deno.test("CapsuleParser with a keep set skips other capsules unbuffered, however large", () => {
  const parser = new CapsuleParser(1024, new Set([CapsuleType.CLOSE_WEBTRANSPORT_SESSION]));
  const unknown = encodeCapsule(0x1234, new Uint8Array(100_000).fill(7));
  const close = encodeCloseSession(5, "done");
  const stream = concatBytes(unknown, close);
  const found: Capsule[] = [];
  for (let offset = 0; offset < stream.length; offset += 4096) {
    found.push(...parser.push(stream.subarray(offset, offset + 4096)));
    assert.ok(parser.pendingBytes <= 4096 + 16, `buffered ${parser.pendingBytes} bytes`);
  }
  assert.equal(found.length, 1);
  assert.equal(found[0]?.type, CapsuleType.CLOSE_WEBTRANSPORT_SESSION);
  assert.deepEqual(decodeCloseSession(found[0]?.payload ?? new Uint8Array()), { closeCode: 5, reason: "done" });
});
