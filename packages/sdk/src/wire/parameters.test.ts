import { describe, expect, it } from "vitest";
import { fromHex, hex, utf8 } from "../../test/wire/test-helpers.ts";
import { EncodeError, ProtocolViolation, SessionErrorCode } from "./error.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import {
  bytesParameter,
  decodeExtensionHeaders,
  decodeToken,
  encodeExtensionHeaders,
  encodeToken,
  intParameter,
  MessageParameter,
  readParameters,
  SetupParameter,
  type Token,
  TokenAliasType,
  writeParameters,
} from "./parameters.ts";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

describe("parameters", () => {
  it("even types carry varints, odd types bytes; helpers find them by type", () => {
    const w = new Writer();
    writeParameters(w, [
      { type: MessageParameter.DELIVERY_TIMEOUT, value: 1000 },
      { type: MessageParameter.AUTHORIZATION_TOKEN, value: utf8("tok") },
    ]);
    expect(hex(w.finish())).toBe("02" + "02" + "43e8" + "03" + "03746f6b");
    const params = readParameters(new Reader(w.finish()));
    expect(intParameter(params, MessageParameter.DELIVERY_TIMEOUT)).toBe(1000);
    expect(bytesParameter(params, MessageParameter.AUTHORIZATION_TOKEN)).toEqual(utf8("tok"));
    expect(intParameter(params, MessageParameter.AUTHORIZATION_TOKEN)).toBeUndefined();
    expect(bytesParameter(params, MessageParameter.MAX_CACHE_DURATION)).toBeUndefined();
    expect(SetupParameter.IMPLEMENTATION).toBe(0x7);
  });

  it("duplicates and unknown types are kept; types above 2^53 are skipped by parity", () => {
    // 3 params: type 9 twice, then type 2^53 + 1 (odd: bytes) with 1 byte.
    const params = readParameters(new Reader(fromHex("03 09 01 aa 09 00 c020000000000001 01 bb")));
    expect(params).toEqual([
      { type: 9, value: fromHex("aa") },
      { type: 9, value: new Uint8Array(0) },
    ]);
  });

  it("limits: count, value length", () => {
    const limits = { ...DEFAULT_LIMITS, maxParameters: 2 };
    expect(() => readParameters(new Reader(fromHex("03 00 00 00 00 00 00")), limits)).toThrow(ProtocolViolation);
    expect(() => readParameters(new Reader(fromHex("01 01 80010000")))).toThrow(/exceeds 65535/);
    expect(() => new Writer().varint(1)).not.toThrow();
    expect(() => writeParameters(new Writer(), [{ type: 2 ** 53 + 2, value: 0 }])).toThrow(EncodeError);
  });

  it("extension header blocks", () => {
    const block = encodeExtensionHeaders([
      { type: 4, value: 2186796243 },
      { type: 77, value: utf8("traceID:123456") },
    ]);
    expect(decodeExtensionHeaders(block)).toEqual([
      { type: 4, value: 2186796243 },
      { type: 77, value: utf8("traceID:123456") },
    ]);
    expect(() => decodeExtensionHeaders(fromHex("0d05aa"))).toThrow(ProtocolViolation);
  });
});

describe("authorization tokens", () => {
  const tokens: [Token, string][] = [
    [{ aliasType: TokenAliasType.DELETE, alias: 5 }, "0005"],
    [{ aliasType: TokenAliasType.REGISTER, alias: 5, tokenType: 1, value: utf8("ab") }, "0105016162"],
    [{ aliasType: TokenAliasType.USE_ALIAS, alias: 5 }, "0205"],
    [{ aliasType: TokenAliasType.USE_VALUE, tokenType: 0, value: utf8("abc") }, "0300616263"],
  ];

  it("round-trip every alias type", () => {
    for (const [token, bytes] of tokens) {
      expect(hex(encodeToken(token))).toBe(bytes);
      expect(decodeToken(fromHex(bytes))).toEqual(token);
    }
  });

  it("a structure that does not decode is a KEY_VALUE_FORMATTING_ERROR", () => {
    for (const bad of ["", "04", "00", "0005ff", "01", "0105", "03", "40"]) {
      const error = (() => {
        try {
          decodeToken(fromHex(bad));
        } catch (e) {
          return e;
        }
      })();
      expect(error, bad).toBeInstanceOf(ProtocolViolation);
      expect((error as ProtocolViolation).code).toBe(SessionErrorCode.KEY_VALUE_FORMATTING_ERROR);
    }
  });
});
