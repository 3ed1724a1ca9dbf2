import assert from "node:assert/strict";
import { http3CodeToWebTransport, webTransportCodeToHttp3 } from "./errors.ts";
import { seededRandom } from "./test-bytes.ts";

const FIRST = 0x52e4a40fa8db;
const LAST = 0x52e5ac983162;

const isGrease = (code: number) => (code - 0x21) % 0x1f === 0;

Deno.test("webTransportCodeToHttp3 at the edges: first, last, and around the first GREASE point", () => {
  assert.equal(webTransportCodeToHttp3(0), FIRST);
  assert.equal(webTransportCodeToHttp3(0x1d), FIRST + 0x1d);
  // FIRST + 0x1e is a GREASE point: code 0x1e skips over it.
  assert.ok(isGrease(FIRST + 0x1e));
  assert.equal(webTransportCodeToHttp3(0x1e), FIRST + 0x1f);
  assert.equal(webTransportCodeToHttp3(0x1f), FIRST + 0x20);
  assert.equal(webTransportCodeToHttp3(0xffffffff), LAST);
});

Deno.test("WebTransport <-> HTTP/3 codes round-trip on edge and random values, never landing on GREASE", () => {
  const next = seededRandom(0x5eed);
  const codes = [0, 1, 0x1d, 0x1e, 0x1f, 0x3b, 0x3c, 0x3d, 0xfffffffe, 0xffffffff];
  for (let index = 0; index < 10_000; index++) codes.push(Math.floor(next() * 2 ** 32));
  for (const code of codes) {
    const http3 = webTransportCodeToHttp3(code);
    assert.ok(http3 >= FIRST && http3 <= LAST, `0x${code.toString(16)} maps into the range`);
    assert.ok(!isGrease(http3), `0x${code.toString(16)} does not map to a GREASE point`);
    assert.equal(http3CodeToWebTransport(http3), code, `round trip of 0x${code.toString(16)}`);
  }
});

Deno.test("the mapping is a bijection onto the non-GREASE codes (checked at both ends of the range)", () => {
  for (const start of [FIRST, LAST - 0x1f * 50]) {
    let previous: number | undefined;
    for (let http3 = start; http3 <= Math.min(start + 0x1f * 50, LAST); http3++) {
      const code = http3CodeToWebTransport(http3);
      if (isGrease(http3)) {
        assert.equal(code, undefined, `GREASE point 0x${http3.toString(16)}`);
        continue;
      }
      assert.notEqual(code, undefined);
      assert.equal(webTransportCodeToHttp3(code as number), http3);
      if (previous !== undefined) assert.equal(code, previous + 1, "consecutive codes, no gaps");
      previous = code;
    }
  }
});

Deno.test("http3CodeToWebTransport: undefined outside the range and on GREASE points", () => {
  for (const code of [0, 0x100, 0x10c, FIRST - 1, LAST + 1, 2 ** 53 - 1]) {
    assert.equal(http3CodeToWebTransport(code), undefined, `0x${code.toString(16)}`);
  }
  const next = seededRandom(42);
  for (let index = 0; index < 1000; index++) {
    // A random GREASE point inside the WebTransport range.
    const n = Math.ceil((FIRST - 0x21) / 0x1f) + Math.floor(next() * ((LAST - FIRST) / 0x1f));
    const grease = 0x1f * n + 0x21;
    assert.ok(grease >= FIRST && grease <= LAST);
    assert.equal(http3CodeToWebTransport(grease), undefined, `GREASE 0x${grease.toString(16)}`);
  }
});

Deno.test("webTransportCodeToHttp3 refuses what is not a 32-bit unsigned integer", () => {
  for (const code of [-1, 0x100000000, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => webTransportCodeToHttp3(code), RangeError, String(code));
  }
});
