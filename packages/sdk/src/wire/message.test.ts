import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, hex, messages, streamOf, utf8 } from "../../test/wire/test-helpers.ts";
import { EncodeError, ProtocolViolation, SessionErrorCode } from "./error.ts";
import {
  type ControlMessage,
  decodeControlMessage,
  encodeControlMessage,
  MessageType,
  readControlMessage,
} from "./message.ts";
import { namespaceFromStrings } from "./namespace.ts";
import { SetupParameter } from "./parameters.ts";
import { StreamReader } from "./stream-reader.ts";
import { MAX_VARINT } from "./varint.ts";
import { DRAFT_14 } from "./version.ts";

/** Splits a framed message into type and payload (checking the 16-bit length) and decodes it. */
function decodeFramed(bytes: Uint8Array): ControlMessage {
  expect(bytes.length).toBeGreaterThanOrEqual(3);
  const typeLength = 1 << ((bytes[0] as number) >> 6);
  let type = (bytes[0] as number) & 0x3f;
  for (let i = 1; i < typeLength; i++) type = type * 256 + (bytes[i] as number);
  const length = ((bytes[typeLength] as number) << 8) | (bytes[typeLength + 1] as number);
  expect(bytes.length).toBe(typeLength + 2 + length);
  return decodeControlMessage(type, bytes.subarray(typeLength + 2));
}

function payloadOf(message: ControlMessage): Uint8Array {
  return encodeControlMessage(message).subarray(3);
}

function violationOf(f: () => unknown): ProtocolViolation {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
    return error as ProtocolViolation;
  }
  throw new Error("expected a ProtocolViolation");
}

const PV = SessionErrorCode.PROTOCOL_VIOLATION;

/** PUBLISH of track "b" in namespace ("a"): a small message with a byte-exact encoding below. */
const PUBLISH_A_B: ControlMessage = {
  kind: "publish",
  requestId: 1,
  namespace: [utf8("a")],
  trackName: utf8("b"),
  trackAlias: 3,
  groupOrder: 1,
  forward: true,
  parameters: [],
};

describe("control messages: byte-exact vectors from the draft's figures", () => {
  it("CLIENT_SETUP offering draft-14 with MAX_REQUEST_ID = 100", () => {
    const message: ControlMessage = {
      kind: "client_setup",
      versions: [DRAFT_14],
      parameters: [{ type: SetupParameter.MAX_REQUEST_ID, value: 100 }],
    };
    // type 0x20, length 13, 1 version, 0xff00000e as an 8-byte varint, 1 parameter: type 2, value 100 (2 bytes).
    const expected = "20000d01c0000000ff00000e01024064";
    expect(hex(encodeControlMessage(message))).toBe(expected);
    expect(decodeFramed(fromHex(expected))).toEqual(message);
  });

  it("SERVER_SETUP selecting draft-14 with a PATH (odd type: length-prefixed bytes)", () => {
    const message: ControlMessage = {
      kind: "server_setup",
      version: DRAFT_14,
      parameters: [{ type: SetupParameter.PATH, value: utf8("/x") }],
    };
    expect(hex(encodeControlMessage(message))).toBe("21000dc0000000ff00000e0101022f78");
  });

  it("SUBSCRIBE with a Largest Object filter", () => {
    const message: ControlMessage = {
      kind: "subscribe",
      requestId: 0,
      namespace: namespaceFromStrings(["live"]),
      trackName: utf8("video"),
      subscriberPriority: 128,
      groupOrder: 0,
      forward: true,
      filter: { type: "largest_object" },
      parameters: [],
    };
    const expected = "030012" + "00" + "01046c697665" + "05766964656f" + "80" + "00" + "01" + "02" + "00";
    expect(hex(encodeControlMessage(message))).toBe(expected);
    expect(decodeFramed(fromHex(expected))).toEqual(message);
  });

  it("SUBSCRIBE_OK with and without Largest Location", () => {
    expect(
      hex(
        encodeControlMessage({
          kind: "subscribe_ok",
          requestId: 2,
          trackAlias: 7,
          expires: 0,
          groupOrder: 1,
          largest: { group: 5, object: 3 },
          parameters: [],
        }),
      ),
    ).toBe("040008020700010105030" + "0");
    expect(
      hex(
        encodeControlMessage({
          kind: "subscribe_ok",
          requestId: 2,
          trackAlias: 7,
          expires: 0,
          groupOrder: 2,
          parameters: [],
        }),
      ),
    ).toBe("04000602070002" + "0000");
  });

  it("GOAWAY, MAX_REQUEST_ID, UNSUBSCRIBE and PUBLISH (16-bit length, not the figure's varint)", () => {
    expect(hex(encodeControlMessage({ kind: "goaway", newSessionUri: "" }))).toBe("10000100");
    expect(hex(encodeControlMessage({ kind: "max_request_id", requestId: 64 }))).toBe("1500024040");
    expect(hex(encodeControlMessage({ kind: "unsubscribe", requestId: 4 }))).toBe("0a000104");
    const publish = encodeControlMessage(PUBLISH_A_B);
    // 0x1D, then two length bytes 0x000b, then: 01 | 01 01 61 | 01 62 | 03 | 01 | 00 | 01 | 00.
    expect(hex(publish)).toBe("1d000b" + "01" + "010161" + "0162" + "03" + "01" + "00" + "01" + "00");
  });

  it("PUBLISH_DONE with the 'unknown' stream count 2^62 - 1", () => {
    const message: ControlMessage = {
      kind: "publish_done",
      requestId: 0,
      statusCode: 2,
      streamCount: MAX_VARINT,
      reason: "end",
    };
    const bytes = encodeControlMessage(message);
    expect(hex(bytes)).toBe("0b000e" + "00" + "02" + "ffffffffffffffff" + "03656e64");
    expect(decodeFramed(bytes)).toEqual(message);
  });
});

describe("control messages: round trips", () => {
  for (const [kind, arbitrary] of Object.entries(messages)) {
    it(`${kind} (0x${MessageType[kind.toUpperCase() as keyof typeof MessageType].toString(16)})`, () => {
      fc.assert(
        fc.property(arbitrary as fc.Arbitrary<ControlMessage>, (message) => {
          expect(decodeFramed(encodeControlMessage(message))).toEqual(message);
        }),
        { numRuns: 200 },
      );
    });
  }

  it("readControlMessage reads back-to-back messages in any chunking, then undefined at a clean end", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(...(Object.values(messages) as fc.Arbitrary<ControlMessage>[])), { maxLength: 5 }),
        fc.array(fc.nat(20), { minLength: 1, maxLength: 5 }).map((sizes) => [...sizes, 7]),
        async (list, sizes) => {
          const bytes = list.map(encodeControlMessage);
          const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
          let offset = 0;
          for (const b of bytes) {
            all.set(b, offset);
            offset += b.length;
          }
          const reader = new StreamReader(streamOf(all, sizes));
          for (const message of list) expect(await readControlMessage(reader)).toEqual(message);
          expect(await readControlMessage(reader)).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("control messages: rejections", () => {
  const subscribe: ControlMessage = {
    kind: "subscribe",
    requestId: 0,
    namespace: [utf8("ns")],
    trackName: utf8("t"),
    subscriberPriority: 1,
    groupOrder: 1,
    forward: true,
    filter: { type: "next_group_start" },
    parameters: [],
  };
  // requestId | ns count, len, "ns" | name len, "t" | priority | order | forward | filter | params
  const SUB_ORDER = 1 + 4 + 2 + 1;
  const SUB_FORWARD = SUB_ORDER + 1;
  const SUB_FILTER = SUB_FORWARD + 1;

  function withByte(payload: Uint8Array, at: number, value: number): Uint8Array {
    const copy = payload.slice();
    copy[at] = value;
    return copy;
  }

  it("unknown message types (including the reserved pre-draft-11 setup types)", () => {
    for (const type of [0x0, 0x1, 0x40, 0x41, 0x1b, 0x22, 0x3fff]) {
      expect(violationOf(() => decodeControlMessage(type, new Uint8Array(0))).code).toBe(PV);
    }
  });

  it("readControlMessage refuses an unknown type before reading its payload", async () => {
    const reader = new StreamReader(streamOf(fromHex("40ff ffff")));
    await expect(readControlMessage(reader)).rejects.toMatchObject({ name: "ProtocolViolation", code: PV });
  });

  it("trailing bytes and truncation", () => {
    const payload = payloadOf(subscribe);
    const longer = new Uint8Array(payload.length + 1);
    longer.set(payload);
    expect(violationOf(() => decodeControlMessage(MessageType.SUBSCRIBE, longer)).message).toBe("1 trailing bytes");
    for (let cut = 0; cut < payload.length; cut++) {
      const error = violationOf(() => decodeControlMessage(MessageType.SUBSCRIBE, payload.subarray(0, cut)));
      expect(error.code).toBe(PV);
      expect(error.message).toMatch(/truncated$/);
    }
  });

  it("a stream that ends inside a message", async () => {
    const bytes = encodeControlMessage(subscribe);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new StreamReader(streamOf(bytes.subarray(0, cut), [3]));
      await expect(readControlMessage(reader)).rejects.toThrow(/stream ended inside/);
    }
  });

  it("group order, forward, filter type", () => {
    const payload = payloadOf(subscribe);
    expect(decodeControlMessage(MessageType.SUBSCRIBE, withByte(payload, SUB_ORDER, 0))).toMatchObject({
      groupOrder: 0,
    });
    for (const [at, value] of [
      [SUB_ORDER, 3],
      [SUB_FORWARD, 2],
      [SUB_FILTER, 0],
      [SUB_FILTER, 5],
    ] as const) {
      expect(violationOf(() => decodeControlMessage(MessageType.SUBSCRIBE, withByte(payload, at, value))).code).toBe(
        PV,
      );
    }
    const update = payloadOf({
      kind: "subscribe_update",
      requestId: 2,
      subscriptionRequestId: 0,
      start: { group: 1, object: 0 },
      endGroup: 0,
      subscriberPriority: 0,
      forward: false,
      parameters: [],
    });
    expect(violationOf(() => decodeControlMessage(MessageType.SUBSCRIBE_UPDATE, withByte(update, 6, 2))).code).toBe(PV);
  });

  it("SUBSCRIBE_OK / TRACK_STATUS_OK / FETCH_OK / PUBLISH group order 0 or 3, Content Exists and End Of Track not 0/1", () => {
    const ok = payloadOf({
      kind: "subscribe_ok",
      requestId: 0,
      trackAlias: 0,
      expires: 0,
      groupOrder: 1,
      parameters: [],
    });
    for (const type of [MessageType.SUBSCRIBE_OK, MessageType.TRACK_STATUS_OK]) {
      expect(violationOf(() => decodeControlMessage(type, withByte(ok, 3, 0))).code).toBe(PV);
      expect(violationOf(() => decodeControlMessage(type, withByte(ok, 3, 3))).code).toBe(PV);
      expect(violationOf(() => decodeControlMessage(type, withByte(ok, 4, 2))).message).toMatch(/content exists/);
    }
    const fetchOk = payloadOf({
      kind: "fetch_ok",
      requestId: 0,
      groupOrder: 2,
      endOfTrack: false,
      end: { group: 1, object: 0 },
      parameters: [],
    });
    expect(violationOf(() => decodeControlMessage(MessageType.FETCH_OK, withByte(fetchOk, 1, 0))).code).toBe(PV);
    expect(violationOf(() => decodeControlMessage(MessageType.FETCH_OK, withByte(fetchOk, 2, 2))).code).toBe(PV);
    const publish = payloadOf(PUBLISH_A_B);
    expect(violationOf(() => decodeControlMessage(MessageType.PUBLISH, withByte(publish, 7, 0))).code).toBe(PV);
    expect(violationOf(() => decodeControlMessage(MessageType.PUBLISH, withByte(publish, 8, 2))).code).toBe(PV);
    expect(violationOf(() => decodeControlMessage(MessageType.PUBLISH, withByte(publish, 9, 2))).code).toBe(PV);
  });

  it("FETCH types other than 1, 2, 3", () => {
    const fetch = payloadOf({
      kind: "fetch",
      requestId: 0,
      subscriberPriority: 0,
      groupOrder: 0,
      fetch: { type: "relative_joining", joiningRequestId: 0, joiningStart: 1 },
      parameters: [],
    });
    expect(decodeControlMessage(MessageType.FETCH, fetch)).toMatchObject({ fetch: { type: "relative_joining" } });
    for (const type of [0, 4]) {
      expect(violationOf(() => decodeControlMessage(MessageType.FETCH, withByte(fetch, 3, type))).code).toBe(PV);
    }
  });

  it("namespaces of 0 or more than 32 fields; prefixes may be empty", () => {
    const zero = fromHex("00" + "00" + "00"); // request 0, 0 fields, 0 parameters
    expect(violationOf(() => decodeControlMessage(MessageType.PUBLISH_NAMESPACE, zero)).code).toBe(PV);
    expect(decodeControlMessage(MessageType.SUBSCRIBE_NAMESPACE, zero)).toEqual({
      kind: "subscribe_namespace",
      requestId: 0,
      namespacePrefix: [],
      parameters: [],
    });
    const fields = (n: number) => `${n.toString(16).padStart(2, "0")}${"0161".repeat(n)}`;
    expect(violationOf(() => decodeControlMessage(MessageType.PUBLISH_NAMESPACE_DONE, fromHex(fields(33)))).code).toBe(
      PV,
    );
    expect(violationOf(() => decodeControlMessage(MessageType.UNSUBSCRIBE_NAMESPACE, fromHex(fields(33)))).code).toBe(
      PV,
    );
    expect(decodeControlMessage(MessageType.PUBLISH_NAMESPACE_DONE, fromHex(fields(32)))).toMatchObject({
      namespace: expect.any(Array),
    });
  });

  it("a full track name over 4096 bytes", () => {
    const at = (name: number) =>
      payloadOf({
        ...subscribe,
        namespace: [new Uint8Array(1000), new Uint8Array(96)],
        trackName: new Uint8Array(name),
      });
    expect(decodeControlMessage(MessageType.SUBSCRIBE, at(3000))).toMatchObject({ kind: "subscribe" });
    // Re-encode by hand: the encoder refuses 4097 bytes.
    expect(() => at(3001)).toThrow(EncodeError);
    const payload = at(3000);
    const longer = new Uint8Array(payload.length + 1);
    // Track name length 3000 (0x4bb8) becomes 3001 (0x4bb9), one more byte of name.
    const nameAt = 1 + 1 + 2 + 1000 + 2 + 96;
    longer.set(payload.subarray(0, nameAt));
    longer[nameAt] = 0x4b;
    longer[nameAt + 1] = 0xb9;
    longer.set(payload.subarray(nameAt + 2), nameAt + 3);
    expect(payload[nameAt]).toBe(0x4b);
    expect(violationOf(() => decodeControlMessage(MessageType.SUBSCRIBE, longer)).message).toMatch(/track name length/);
  });

  it("reason phrases over 1024 bytes and GOAWAY URIs over 8192 bytes", () => {
    const error = (length: number) => {
      const w = fromHex(`0000${(0x4000 | length).toString(16)}`);
      const out = new Uint8Array(w.length + length);
      out.set(w);
      return out;
    };
    expect(decodeControlMessage(MessageType.SUBSCRIBE_ERROR, error(1024))).toMatchObject({ reason: "\0".repeat(1024) });
    expect(violationOf(() => decodeControlMessage(MessageType.SUBSCRIBE_ERROR, error(1025))).code).toBe(PV);
    const uri = (length: number) => {
      const out = new Uint8Array(2 + length);
      out.set([0x40 | (length >> 8), length & 0xff]);
      return out;
    };
    expect(decodeControlMessage(MessageType.GOAWAY, uri(8192))).toMatchObject({ kind: "goaway" });
    expect(violationOf(() => decodeControlMessage(MessageType.GOAWAY, uri(8193))).code).toBe(PV);
  });

  it("too many versions or parameters, a parameter value over 65535 bytes", () => {
    const versions = fromHex(`41 ${"01".repeat(65)} 00`);
    expect(violationOf(() => decodeControlMessage(MessageType.CLIENT_SETUP, versions)).message).toMatch(/versions/);
    const params = fromHex(`01 01 41 ${"0000".repeat(65)}`);
    expect(violationOf(() => decodeControlMessage(MessageType.CLIENT_SETUP, params)).message).toMatch(/parameters/);
    const big = fromHex("01 01 01 01 80010000");
    expect(violationOf(() => decodeControlMessage(MessageType.CLIENT_SETUP, big)).code).toBe(PV);
  });

  it("a huge declared length on a tiny input throws at once", () => {
    // SUBSCRIBE_ERROR claiming a 2^40-byte reason; a namespace field claiming 2^40 bytes.
    expect(
      violationOf(() => decodeControlMessage(MessageType.SUBSCRIBE_ERROR, fromHex("0000c000010000000000"))).code,
    ).toBe(PV);
    expect(
      violationOf(() => decodeControlMessage(MessageType.PUBLISH_NAMESPACE_DONE, fromHex("01c000010000000000"))).code,
    ).toBe(PV);
  });
});

describe("control messages: encoder argument checks", () => {
  const base = {
    kind: "subscribe" as const,
    requestId: 0,
    namespace: [utf8("a")],
    trackName: utf8("b"),
    subscriberPriority: 0,
    groupOrder: 0 as const,
    forward: false,
    filter: { type: "largest_object" as const },
    parameters: [],
  };

  it("refuses out-of-range fields and oversized messages", () => {
    expect(() => encodeControlMessage({ ...base, subscriberPriority: 256 })).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, groupOrder: 3 as 0 })).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, requestId: -1 })).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, requestId: 1.5 })).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, namespace: [] })).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, namespace: Array.from({ length: 33 }, () => utf8("x")) })).toThrow(
      EncodeError,
    );
    expect(() =>
      encodeControlMessage({
        kind: "subscribe_ok",
        requestId: 0,
        trackAlias: 0,
        expires: 0,
        groupOrder: 0 as 1,
        parameters: [],
      }),
    ).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, parameters: [{ type: 1, value: 5 }] })).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, parameters: [{ type: 2, value: utf8("x") }] })).toThrow(EncodeError);
    expect(() => encodeControlMessage({ ...base, parameters: [{ type: 1, value: new Uint8Array(65536) }] })).toThrow(
      EncodeError,
    );
    expect(() =>
      encodeControlMessage({ kind: "subscribe_error", requestId: 0, errorCode: 0, reason: "x".repeat(1025) }),
    ).toThrow(EncodeError);
    expect(() => encodeControlMessage({ kind: "goaway", newSessionUri: "x".repeat(8193) })).toThrow(EncodeError);
    const many = Array.from({ length: 40 }, (_, i) => ({ type: 2 * i + 1, value: new Uint8Array(2000) }));
    expect(() => encodeControlMessage({ ...base, parameters: many })).toThrow(/exceeds 65535/);
    expect(() => encodeControlMessage({ kind: "nope" } as unknown as ControlMessage)).toThrow(EncodeError);
  });
});
