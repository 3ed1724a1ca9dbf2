import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, hex, varint } from "../../test/wire/test-helpers.ts";
import { EncodeError, ProtocolViolation, SessionErrorCode } from "./error.ts";
import { Reader } from "./reader.ts";
import { MAX_VARINT } from "./varint.ts";
import { Writer } from "./writer.ts";

describe("Writer and Reader", () => {
  it("round-trip every field kind, growing the buffer as needed", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ k: fc.constant("u8" as const), v: fc.nat(255) }),
            fc.record({ k: fc.constant("varint" as const), v: varint }),
            fc.record({ k: fc.constant("bytes" as const), v: fc.uint8Array({ maxLength: 100 }) }),
            fc.record({ k: fc.constant("string" as const), v: fc.string({ unit: "grapheme", maxLength: 20 }) }),
            fc.record({ k: fc.constant("boolean" as const), v: fc.boolean() }),
          ),
          { maxLength: 30 },
        ),
        (fields) => {
          const w = new Writer(1);
          for (const f of fields) {
            if (f.k === "u8") w.u8(f.v);
            else if (f.k === "varint") w.varint(f.v);
            else if (f.k === "bytes") w.lengthPrefixedBytes(f.v);
            else if (f.k === "string") w.string(f.v);
            else w.boolean(f.v);
          }
          const r = new Reader(w.finish());
          expect(r.remaining).toBe(w.length);
          for (const f of fields) {
            if (f.k === "u8") expect(r.u8()).toBe(f.v);
            else if (f.k === "varint") expect(r.varint()).toBe(f.v);
            else if (f.k === "bytes") expect(r.lengthPrefixedBytes(1000)).toEqual(f.v);
            else if (f.k === "string") expect(r.string(1000)).toBe(f.v);
            else expect(r.boolean()).toBe(f.v);
          }
          r.done();
        },
      ),
    );
  });

  it("finish() is a stable view: later writes do not change it", () => {
    const w = new Writer(2).u8(1).u8(2);
    const first = w.finish();
    w.u8(3).u16(0x1234);
    expect(hex(first)).toBe("0102");
    expect(hex(w.finish())).toBe("01020312" + "34");
  });

  it("the writer refuses values it cannot encode", () => {
    const w = new Writer();
    expect(() => w.u8(256)).toThrow(EncodeError);
    expect(() => w.u8(-1)).toThrow(EncodeError);
    expect(() => w.u16(0x10000)).toThrow(EncodeError);
    expect(() => w.varint(-1)).toThrow(EncodeError);
    expect(() => w.varint(0.5)).toThrow(EncodeError);
    expect(() => w.varint(Number.NaN)).toThrow(EncodeError);
    expect(() => w.varint(MAX_VARINT * 2)).toThrow(EncodeError);
    expect(() => w.lengthPrefixedBytes(new Uint8Array(3), 2)).toThrow(EncodeError);
    expect(() => w.string("été", 4)).toThrow(EncodeError);
    expect(w.length).toBe(0);
    expect(new EncodeError("x")).toBeInstanceOf(TypeError);
  });

  it("every shortfall is a PROTOCOL_VIOLATION naming the field", () => {
    const r = new Reader(fromHex("40"));
    expect(() => r.varint("group ID")).toThrow(
      new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, "group ID truncated"),
    );
    expect(() => new Reader(new Uint8Array(0)).u8("priority")).toThrow("priority truncated");
    expect(() => new Reader(fromHex("05 6162")).lengthPrefixedBytes(10, "name")).toThrow("name truncated");
    expect(() => new Reader(fromHex("05 6162")).lengthPrefixedBytes(4, "name")).toThrow("name length 5 exceeds 4");
    expect(() => new Reader(fromHex("02")).boolean("forward")).toThrow("forward must be 0 or 1, got 2");
    expect(() => new Reader(fromHex("0102")).done()).toThrow("2 trailing bytes");
    const e = (() => {
      try {
        new Reader(new Uint8Array(1)).bytes(2);
      } catch (error) {
        return error;
      }
    })();
    expect(e).toBeInstanceOf(ProtocolViolation);
    expect(e).toMatchObject({ name: "ProtocolViolation", code: 3 });
  });

  it("bytes() checks the bound before anything else, and returns views", () => {
    const input = new Uint8Array(16);
    const r = new Reader(input);
    expect(() => r.bytes(2 ** 40)).toThrow(ProtocolViolation);
    expect(() => r.bytes(Number.MAX_SAFE_INTEGER)).toThrow(ProtocolViolation);
    const view = r.bytes(4);
    expect(view.buffer).toBe(input.buffer);
    expect(r.rest().length).toBe(12);
  });

  it("string() decodes invalid UTF-8 leniently and keeps a leading U+FEFF", () => {
    expect(new Reader(fromHex("02 ff61")).string(10)).toBe("\ufffda");
    expect(new Reader(new Writer().string("\ufeffx").finish()).string(10)).toBe("\ufeffx");
  });

  it("varintWithParity keeps the parity of values a double rounds", () => {
    // 2^53 + 1 (odd) reads as 2^53 (even).
    const odd = new Reader(fromHex("c020000000000001")).varintWithParity();
    expect(odd).toEqual({ value: 2 ** 53, odd: true });
    expect(new Reader(fromHex("07")).varintWithParity()).toEqual({ value: 7, odd: true });
  });
});
