import assert from "node:assert/strict";
import { encodeVarint } from "@moqkit/sdk/wire";
import { H3, H3ConnectionError } from "./errors.ts";
import { concatBytes } from "./frames.ts";
import { decodeSettings, encodeSettings, Setting, type Settings } from "./settings.ts";

function assertH3Error(run: () => unknown, code: number): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof H3ConnectionError, `expected H3ConnectionError, got ${String(error)}`);
    assert.equal(error.code, code, `expected code 0x${code.toString(16)}, got 0x${error.code.toString(16)}`);
    return true;
  });
}

function pairs(...values: number[]): Uint8Array {
  return concatBytes(...values.map(encodeVarint));
}

// What the connection sends, plus the client-side extras: 1-, 2-, 4- and 8-byte identifiers and values.
const WEBTRANSPORT_SETTINGS: Settings = new Map([
  [Setting.QPACK_MAX_TABLE_CAPACITY, 0],
  [Setting.QPACK_BLOCKED_STREAMS, 0],
  [Setting.MAX_FIELD_SECTION_SIZE, 16 * 1024],
  [Setting.H3_DATAGRAM, 1],
  [Setting.ENABLE_WEBTRANSPORT, 1],
  [Setting.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, 16],
  [Setting.WT_MAX_SESSIONS, 0x3fffffff],
  [Setting.ENABLE_CONNECT_PROTOCOL, 1],
  [0x1234, 2 ** 53 - 1],
]);

Deno.test("SETTINGS round-trip, order kept", () => {
  const decoded = decodeSettings(encodeSettings(WEBTRANSPORT_SETTINGS));
  assert.deepEqual([...decoded], [...WEBTRANSPORT_SETTINGS]);
  assert.deepEqual(decodeSettings(new Uint8Array(0)), new Map());
  assert.deepEqual(encodeSettings(new Map()), new Uint8Array(0));
});

Deno.test("SETTINGS encode as id/value varint pairs", () => {
  const encoded = encodeSettings(
    new Map([
      [Setting.ENABLE_CONNECT_PROTOCOL, 1],
      [Setting.H3_DATAGRAM, 1],
      [Setting.ENABLE_WEBTRANSPORT, 1],
    ]),
  );
  assert.deepEqual(encoded, Uint8Array.of(0x08, 0x01, 0x33, 0x01, 0xab, 0x60, 0x37, 0x42, 0x01));
});

Deno.test("a setting that appears twice is H3_SETTINGS_ERROR (0x109)", () => {
  assertH3Error(() => decodeSettings(pairs(0x06, 100, 0x01, 0, 0x06, 100)), H3.SETTINGS_ERROR);
  assertH3Error(() => decodeSettings(pairs(Setting.WT_MAX_SESSIONS, 1, Setting.WT_MAX_SESSIONS, 2)), H3.SETTINGS_ERROR);
});

Deno.test("HTTP/2-only settings 0x02-0x05 are H3_SETTINGS_ERROR (0x109); 0x01 and 0x06 are fine", () => {
  for (const id of [0x02, 0x03, 0x04, 0x05]) {
    assertH3Error(() => decodeSettings(pairs(0x01, 0, id, 0)), H3.SETTINGS_ERROR);
  }
  assert.deepEqual(
    decodeSettings(pairs(0x01, 4096, 0x06, 8192)),
    new Map([
      [0x01, 4096],
      [0x06, 8192],
    ]),
  );
});

Deno.test("truncated SETTINGS are H3_FRAME_ERROR (0x106) at every cut that is not a pair boundary", () => {
  const encoded = encodeSettings(WEBTRANSPORT_SETTINGS);
  // The offsets at which a complete id/value pair ends.
  const boundaries = new Set<number>([0]);
  let offset = 0;
  for (const [id, value] of WEBTRANSPORT_SETTINGS) {
    offset += encodeVarint(id).length + encodeVarint(value).length;
    boundaries.add(offset);
  }
  let truncations = 0;
  for (let cut = 0; cut < encoded.length; cut++) {
    const truncated = encoded.slice(0, cut);
    if (boundaries.has(cut)) {
      assert.equal(decodeSettings(truncated).size, [...boundaries].filter((end) => end > 0 && end <= cut).length);
    } else {
      assertH3Error(() => decodeSettings(truncated), H3.FRAME_ERROR);
      truncations++;
    }
  }
  assert.ok(truncations > 30, "the truncation cases actually ran");
});

Deno.test("reserved (GREASE) and unknown settings pass through with their values", () => {
  const grease = [0x21, 0x1f * 7 + 0x21, 0x1f * 1000 + 0x21, 0x1f * 2 ** 40 + 0x21];
  const payload = pairs(0x01, 0, ...grease.flatMap((id, index) => [id, index * 1000]), 0xabcdef, 7);
  const decoded = decodeSettings(payload);
  for (const [index, id] of grease.entries())
    assert.equal(decoded.get(id), index * 1000, `GREASE id 0x${id.toString(16)}`);
  assert.equal(decoded.get(0xabcdef), 7);
  assert.equal(decoded.get(0x01), 0);
  assert.equal(decoded.size, grease.length + 2);
});
