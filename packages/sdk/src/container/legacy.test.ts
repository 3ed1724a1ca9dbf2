import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type HangUser, loadHangLegacy } from "../catalog/test-hang.ts";
import { ContainerError, type ContainerErrorCode } from "./error.ts";
import { decodeFrame, encodedFrameLength, encodeFrame, MAX_TIMESTAMP_US } from "./legacy.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));

function codeOf(action: () => unknown): ContainerErrorCode | "no error" | "other error" {
  try {
    action();
    return "no error";
  } catch (error) {
    return error instanceof ContainerError ? error.code : "other error";
  }
}

describe("legacy container frames", () => {
  it("puts the timestamp first as a shortest-form QUIC varint, then the bitstream", () => {
    const data = Uint8Array.of(0, 0, 0, 1, 0x65);
    expect(hex(encodeFrame({ timestampUs: 0, data }))).toBe("000000000165");
    expect(hex(encodeFrame({ timestampUs: 37, data }))).toBe("250000000165");
    expect(hex(encodeFrame({ timestampUs: 15293, data }))).toBe("7bbd0000000165");
    expect(hex(encodeFrame({ timestampUs: 494878333, data }))).toBe("9d7f3e7d0000000165");
    expect(hex(encodeFrame({ timestampUs: 2 ** 40, data }))).toBe("c0000100000000000000000165");
    expect(encodedFrameLength({ timestampUs: 2 ** 40, data })).toBe(13);
    expect(hex(encodeFrame({ timestampUs: MAX_TIMESTAMP_US, data: new Uint8Array() }))).toBe("c01fffffffffffff");
  });

  it("decodes into a view of the object's bytes, not a copy", () => {
    const object = fromHex("7bbd0000000165");
    const frame = decodeFrame(object);
    expect(frame.timestampUs).toBe(15293);
    expect(hex(frame.data)).toBe("0000000165");
    expect(frame.data.buffer).toBe(object.buffer);
    expect(frame.data.byteOffset).toBe(2);
    object[6] = 0x41;
    expect(frame.data[4]).toBe(0x41);
  });

  it("decodes a frame inside a larger buffer (an object that is itself a view)", () => {
    const buffer = fromHex("ffff25abcdffff");
    const frame = decodeFrame(buffer.subarray(2, 5));
    expect(frame.timestampUs).toBe(0x25);
    expect(hex(frame.data)).toBe("abcd");
    expect(frame.data.byteOffset).toBe(3);
  });

  it("accepts non-minimal varints and an empty payload (a marker)", () => {
    expect(decodeFrame(fromHex("4025"))).toEqual({ timestampUs: 37, data: new Uint8Array() });
    expect(decodeFrame(fromHex("c00000000000002501")).timestampUs).toBe(37);
  });

  it("round-trips any timestamp and bitstream", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_TIMESTAMP_US }), fc.uint8Array({ maxLength: 64 }), (t, data) => {
        const frame = decodeFrame(encodeFrame({ timestampUs: t, data }));
        expect(frame.timestampUs).toBe(t);
        expect(hex(frame.data)).toBe(hex(data));
      }),
    );
  });

  it("says truncated when the object ends inside the varint", () => {
    expect(codeOf(() => decodeFrame(new Uint8Array()))).toBe("truncated");
    const bytes = encodeFrame({ timestampUs: 2 ** 40, data: new Uint8Array() });
    for (let cut = 0; cut < 8; cut++) expect(codeOf(() => decodeFrame(bytes.subarray(0, cut)))).toBe("truncated");
    expect(codeOf(() => decodeFrame(fromHex("40")))).toBe("truncated");
    expect(codeOf(() => decodeFrame(fromHex("800000")))).toBe("truncated");
  });

  it("refuses timestamps above 2^53-1 when decoding", () => {
    expect(decodeFrame(fromHex("c01fffffffffffff")).timestampUs).toBe(MAX_TIMESTAMP_US);
    expect(codeOf(() => decodeFrame(fromHex("c020000000000000")))).toBe("timestamp-out-of-range");
    expect(codeOf(() => decodeFrame(fromHex("c020000000000001")))).toBe("timestamp-out-of-range");
    expect(codeOf(() => decodeFrame(fromHex("ffffffffffffffff00")))).toBe("timestamp-out-of-range");
  });

  it("refuses timestamps no varint should carry when encoding", () => {
    const data = new Uint8Array(1);
    for (const timestampUs of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_TIMESTAMP_US + 1]) {
      expect(codeOf(() => encodeFrame({ timestampUs, data }))).toBe("timestamp-out-of-range");
    }
    const notBytes = { timestampUs: 0, data: [1, 2] } as unknown as { timestampUs: number; data: Uint8Array };
    expect(codeOf(() => encodeFrame(notBytes))).toBe("invalid-frame");
  });

  it("only ever throws ContainerError on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        expect(codeOf(() => decodeFrame(bytes))).not.toBe("other error");
      }),
    );
  });

  for (const user of ["@moq/publish", "@moq/watch"] satisfies HangUser[]) {
    it(`matches @moq/hang's own legacy container (the one ${user} uses), both ways`, async () => {
      const hang = await loadHangLegacy(user);
      const format = new hang.Format();
      const samples = [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 1_733_000_000_000_000, MAX_TIMESTAMP_US];
      for (const timestampUs of samples) {
        const data = Uint8Array.of(0, 0, 0, 1, 0x67, timestampUs & 0xff);
        const ours = encodeFrame({ timestampUs, data });
        expect(hex(hang.encodeFrame(data, timestampUs))).toBe(hex(ours));
        const [theirs] = format.decode(ours);
        expect(theirs?.timestamp).toBe(timestampUs);
        expect(hex(theirs?.data ?? theirs?.payload ?? new Uint8Array())).toBe(hex(data));
        const back = decodeFrame(hang.encodeFrame(data, timestampUs));
        expect(back.timestampUs).toBe(timestampUs);
        expect(hex(back.data)).toBe(hex(data));
      }
    });
  }
});
