import { describe, expect, it } from "vitest";
import { SessionArgumentError } from "./errors.ts";
import { describeTrack, fullTrackKey, toNamespace, toNamespacePrefix, toTrackName } from "./names.ts";

describe("names", () => {
  it("takes strings or bytes, a single string being one field", () => {
    expect(toNamespace("a/b")).toEqual([new TextEncoder().encode("a/b")]);
    expect(toNamespace(["a", Uint8Array.of(0xff)])).toEqual([new TextEncoder().encode("a"), Uint8Array.of(0xff)]);
    expect(toTrackName("v")).toEqual(new TextEncoder().encode("v"));
    expect(toNamespacePrefix([])).toEqual([]);
  });

  it("throws a typed error naming what is wrong", () => {
    expect(() => toNamespace([])).toThrow(SessionArgumentError);
    expect(() => toNamespace(Array.from({ length: 33 }, () => "x"))).toThrow(/1 to 32 fields/);
    expect(() => toNamespace([3 as unknown as string])).toThrow(/field 0/);
    expect(() => toTrackName(null as unknown as string)).toThrow(SessionArgumentError);
  });

  it("refuses a lone surrogate, which UTF-8 would turn into U+FFFD and so into another track's name", () => {
    expect(() => toTrackName("a\uD800")).toThrow(/lone surrogate/);
    expect(() => toNamespace(["ok", "\uDC00"])).toThrow(/namespace field 1/);
    // A surrogate pair is one code point: fine.
    expect(toTrackName("\u{1F600}")).toEqual(new TextEncoder().encode("\u{1F600}"));
  });

  it("keys full track names by exact bytes, without ambiguity", () => {
    const ab = fullTrackKey(toNamespace(["a", "b"]), toTrackName("c"));
    const aSlashB = fullTrackKey(toNamespace(["a/b"]), toTrackName("c"));
    expect(ab).not.toBe(aSlashB);
    expect(describeTrack(toNamespace(["a", "b"]), toTrackName("c"))).toBe("a/b:c");
  });
});
