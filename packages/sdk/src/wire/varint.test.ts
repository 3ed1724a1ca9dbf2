import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeVarint, MAX_VARINT, readVarint, VarintRangeError, varintLength } from "./varint.ts";

describe("QUIC varint", () => {
  it("encodes the RFC 9000 appendix A.1 examples", () => {
    const hex = (value: number) => Buffer.from(encodeVarint(value)).toString("hex");
    expect(hex(2 ** 40)).toBe("c000010000000000");
    // The RFC's 8-byte example is above 2^53: it decodes rounded to the nearest double.
    const big = Uint8Array.from(Buffer.from("c2197c5eff14e88c", "hex"));
    expect(readVarint(big, 0)).toEqual({ value: Number(151288809941952652n), next: 8 });
    expect(hex(494878333)).toBe("9d7f3e7d");
    expect(hex(15293)).toBe("7bbd");
    expect(hex(37)).toBe("25");
    expect(readVarint(Uint8Array.from([0x40, 0x25]), 0)).toEqual({ value: 37, next: 2 });
  });

  it("round-trips any safe integer in range, with the shortest length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (value) => {
        const bytes = encodeVarint(value);
        expect(bytes.length).toBe(varintLength(value));
        expect(readVarint(bytes, 0)).toEqual({ value, next: bytes.length });
      }),
    );
  });

  it("says when the bytes end too early, and refuses out-of-range values", () => {
    const bytes = encodeVarint(1_000_000);
    for (let cut = 0; cut < bytes.length; cut++) expect(readVarint(bytes.subarray(0, cut), 0)).toBeUndefined();
    expect(() => encodeVarint(-1)).toThrow(VarintRangeError);
    expect(() => encodeVarint(0.5)).toThrow(VarintRangeError);
    expect(() => encodeVarint(MAX_VARINT * 2)).toThrow(VarintRangeError);
  });

  it("encodes MAX_VARINT (2^62 - 1, which rounds to 2^62 as a double) as all ones, and reads it back", () => {
    expect(Buffer.from(encodeVarint(MAX_VARINT)).toString("hex")).toBe("ffffffffffffffff");
    expect(readVarint(encodeVarint(MAX_VARINT), 0)).toEqual({ value: MAX_VARINT, next: 8 });
    expect(Buffer.from(encodeVarint(2 ** 62 - 1024)).toString("hex")).toBe("fffffffffffffc00");
  });
});
