import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, hex, namespacePrefix } from "../../test/wire/test-helpers.ts";
import { EncodeError, ProtocolViolation } from "./error.ts";
import {
  isPrefix,
  namespaceFromStrings,
  namespaceKey,
  namespacesEqual,
  namespaceToStrings,
  readFullTrackName,
  readNamespace,
  writeFullTrackName,
  writeNamespace,
} from "./namespace.ts";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

describe("namespaces", () => {
  it("encode as a tuple", () => {
    const w = new Writer();
    writeFullTrackName(w, namespaceFromStrings(["example.com", "live"]), new TextEncoder().encode("v"));
    expect(hex(w.finish())).toBe("02" + "0b6578616d706c652e636f6d" + "046c697665" + "0176");
    expect(readFullTrackName(new Reader(w.finish()))).toEqual({
      namespace: namespaceFromStrings(["example.com", "live"]),
      trackName: new TextEncoder().encode("v"),
    });
  });

  it("field counts: 1..32, or 0..32 for a prefix", () => {
    expect(() => readNamespace(new Reader(fromHex("00")))).toThrow(ProtocolViolation);
    expect(readNamespace(new Reader(fromHex("00")), undefined, { prefix: true })).toEqual([]);
    expect(() => readNamespace(new Reader(fromHex("21")), undefined, { prefix: true })).toThrow(ProtocolViolation);
    expect(() => writeNamespace(new Writer(), [])).toThrow(EncodeError);
    expect(() => writeNamespace(new Writer(), [], { prefix: true })).not.toThrow();
  });

  it("a namespace field claiming 2^40 bytes fails on the length alone", () => {
    expect(() => readNamespace(new Reader(fromHex("01 c000010000000000")))).toThrow(/exceeds 4096/);
  });

  it("strings, keys, prefixes and equality", () => {
    const ns = namespaceFromStrings(["a/b", "ü", ""]);
    expect(namespaceToStrings(ns)).toEqual(["a/b", "ü", ""]);
    expect(namespaceKey(ns)).toBe("a%2Fb/%C3%BC//");
    expect(namespaceKey([])).toBe("");
    expect(namespaceKey([new Uint8Array(0)])).toBe("/");
    expect(isPrefix(namespaceFromStrings(["a/b"]), ns)).toBe(true);
    expect(isPrefix(namespaceFromStrings(["a"]), ns)).toBe(false);
    expect(isPrefix([], ns)).toBe(true);
    expect(isPrefix(ns, namespaceFromStrings(["a/b"]))).toBe(false);
    expect(namespacesEqual(ns, namespaceFromStrings(["a/b", "ü", ""]))).toBe(true);
    expect(namespacesEqual(ns, namespaceFromStrings(["a/b", "ü"]))).toBe(false);
  });

  it("namespaceKey is injective and agrees with isPrefix", () => {
    fc.assert(
      fc.property(namespacePrefix, namespacePrefix, (a, b) => {
        expect(namespaceKey(a) === namespaceKey(b)).toBe(namespacesEqual(a, b));
        if (isPrefix(a, b)) expect(namespaceKey(b).startsWith(namespaceKey(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
