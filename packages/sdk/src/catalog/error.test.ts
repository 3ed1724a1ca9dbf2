import { describe, expect, it } from "vitest";
import { CatalogError, formatJsonPath } from "./error.ts";
import { bytesToHex, hexToBytes } from "./hex.ts";

describe("CatalogError", () => {
  it("names the field with a normalized JSONPath (RFC 9535)", () => {
    expect(formatJsonPath([])).toBe("$");
    expect(formatJsonPath(["video", "renditions", "video/hd", "codedWidth"])).toBe(
      "$['video']['renditions']['video/hd']['codedWidth']",
    );
    expect(formatJsonPath(["video", 0, "it's", "a\\b", "\n\u0001"])).toBe(
      "$['video'][0]['it\\'s']['a\\\\b']['\\n\\u0001']",
    );
  });

  it("carries its code, keys and path", () => {
    const error = new CatalogError("invalid-field", "expected a string", ["video", "renditions", "v", "codec"]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CatalogError");
    expect(error.code).toBe("invalid-field");
    expect(error.keys).toEqual(["video", "renditions", "v", "codec"]);
    expect(error.path).toBe("$['video']['renditions']['v']['codec']");
    expect(error.message).toBe("$['video']['renditions']['v']['codec']: expected a string");
  });
});

describe("hex", () => {
  it("round-trips bytes, reads either case, refuses odd lengths and other characters", () => {
    const bytes = Uint8Array.of(0, 1, 0x7f, 0x80, 0xab, 0xff);
    expect(bytesToHex(bytes)).toBe("00017f80abff");
    expect(Array.from(hexToBytes("00017F80abFF"))).toEqual(Array.from(bytes));
    expect(hexToBytes("").length).toBe(0);
    expect(() => hexToBytes("abc")).toThrow(CatalogError);
    expect(() => hexToBytes("0x12")).toThrow(CatalogError);
    expect(() => hexToBytes(" 12")).toThrow(CatalogError);
  });
});
