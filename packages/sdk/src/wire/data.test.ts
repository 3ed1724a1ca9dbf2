import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, datagramFields, fromHex, hex, streamOf, u8, utf8, varint } from "../../test/wire/test-helpers.ts";
import { readDataStreamHeader } from "./data-stream.ts";
import { decodeObjectDatagram, encodeObjectDatagram, type ObjectDatagram } from "./datagram.ts";
import { EncodeError, ProtocolViolation, SessionErrorCode } from "./error.ts";
import { encodeFetchHeader, encodeFetchObjectHeader, type FetchObject, readFetchObject } from "./fetch-stream.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import { encodeExtensionHeaders } from "./parameters.ts";
import { StreamReader } from "./stream-reader.ts";
import {
  encodeSubgroupHeader,
  encodeSubgroupObjectHeader,
  readSubgroupObject,
  type SubgroupHeader,
  type SubgroupObject,
} from "./subgroup.ts";
import { ObjectStatus } from "./types.ts";

const PV = SessionErrorCode.PROTOCOL_VIOLATION;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

async function readSubgroupStream(
  bytes: Uint8Array,
  chunks: readonly number[] = [5],
): Promise<{ header: SubgroupHeader; objects: SubgroupObject[] }> {
  const reader = new StreamReader(streamOf(bytes, chunks));
  const start = await readDataStreamHeader(reader);
  if (start.kind !== "subgroup") throw new Error("expected a subgroup stream");
  const objects: SubgroupObject[] = [];
  let previous: number | undefined;
  for (;;) {
    const object = await readSubgroupObject(reader, start.header, previous);
    if (object === undefined) break;
    objects.push(object);
    previous = object.objectId;
  }
  return { header: start.header, objects };
}

async function rejection(promise: Promise<unknown>): Promise<ProtocolViolation> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
    return error as ProtocolViolation;
  }
  throw new Error("expected a ProtocolViolation");
}

const status = fc.constantFrom(
  ObjectStatus.NORMAL,
  ObjectStatus.DOES_NOT_EXIST,
  ObjectStatus.END_OF_GROUP,
  ObjectStatus.END_OF_TRACK,
);
const extensionBlock = fc.option(
  fc.constant(
    encodeExtensionHeaders([
      { type: 4, value: 2186796243 },
      { type: 77, value: utf8("traceID:123456") },
    ]),
  ),
  { nil: undefined },
);

/** An object as the encoders take it: a non-empty payload means status NORMAL. */
const objectArbitrary = fc
  .record({ gap: fc.nat(3), extensions: extensionBlock, status, payload: bytes(20) })
  .map(({ gap, extensions, status, payload }) => {
    const st = payload.length > 0 ? ObjectStatus.NORMAL : status;
    return { gap, extensions: st === ObjectStatus.DOES_NOT_EXIST ? undefined : extensions, status: st, payload };
  });

describe("subgroup streams", () => {
  it("decodes the draft's first example (type 0x14) byte for byte", async () => {
    const bytes = fromHex("14 02 00 00 00" + "00 04 61626364" + "00 04 65666768");
    const { header, objects } = await readSubgroupStream(bytes, [1]);
    expect(header).toEqual({
      trackAlias: 2,
      groupId: 0,
      subgroupId: 0,
      publisherPriority: 0,
      extensions: false,
      endOfGroup: false,
    });
    expect(objects).toEqual([
      { objectId: 0, extensions: undefined, status: 0, payload: utf8("abcd") },
      { objectId: 1, extensions: undefined, status: 0, payload: utf8("efgh") },
    ]);
  });

  it("encodes the compact header for subgroup 0 and the explicit one otherwise", () => {
    const h = { trackAlias: 2, groupId: 0, publisherPriority: 0 };
    expect(hex(encodeSubgroupHeader({ ...h, subgroupId: 0 }))).toBe("10020000");
    expect(hex(encodeSubgroupHeader({ ...h, subgroupId: 0, extensions: true, endOfGroup: true }))).toBe("19020000");
    expect(hex(encodeSubgroupHeader({ ...h, subgroupId: 9 }))).toBe("1402000900");
    expect(hex(encodeSubgroupHeader({ ...h, subgroupId: 9, subgroupIdIsFirstObjectId: true }))).toBe("12020000");
    expect(hex(encodeSubgroupObjectHeader({ extensions: false }, undefined, { objectId: 0, payloadLength: 4 }))).toBe(
      "0004",
    );
    expect(hex(encodeSubgroupObjectHeader({ extensions: true }, 0, { objectId: 1, payloadLength: 0, status: 3 }))).toBe(
      "00000003",
    );
  });

  it("round-trips every SUBGROUP_HEADER type with its objects, in any chunking", async () => {
    const types = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...types),
        fc.record({ trackAlias: varint, groupId: varint, subgroupId: varint, publisherPriority: u8 }),
        fc.nat(1000),
        fc.array(objectArbitrary, { maxLength: 6 }),
        fc.array(fc.nat(9), { minLength: 1, maxLength: 4 }).map((s) => [...s, 3]),
        async (type, fields, firstId, objects, chunks) => {
          const extensions = (type & 0x01) !== 0;
          const form = type & 0x06;
          const subgroupId =
            form === 0
              ? 0
              : form === 0x02
                ? objects.length > 0
                  ? firstId
                  : fields.subgroupId
                : fields.subgroupId || 1;
          const headerBytes = encodeSubgroupHeader({
            ...fields,
            subgroupId,
            extensions,
            endOfGroup: (type & 0x08) !== 0,
            subgroupIdIsFirstObjectId: form === 0x02,
          });
          expect(headerBytes[0]).toBe(subgroupId === 0 ? type & ~0x06 : type);
          const parts = [headerBytes];
          const expected: SubgroupObject[] = [];
          let previous: number | undefined;
          let id = firstId;
          for (const object of objects) {
            const ext = extensions ? object.extensions : undefined;
            parts.push(
              encodeSubgroupObjectHeader({ extensions }, previous, {
                objectId: id,
                extensions: ext,
                status: object.status,
                payloadLength: object.payload.length,
              }),
              object.payload,
            );
            expected.push({ objectId: id, extensions: ext, status: object.status, payload: object.payload });
            previous = id;
            id += object.gap + 1;
          }
          const result = await readSubgroupStream(concat(parts), chunks);
          expect(result.objects).toEqual(expected);
          expect(result.header).toMatchObject({
            trackAlias: fields.trackAlias,
            groupId: fields.groupId,
            publisherPriority: fields.publisherPriority,
            extensions,
            endOfGroup: (type & 0x08) !== 0,
          });
          // The first-object form learns its subgroup ID from the first object.
          if (subgroupId !== 0 && form === 0x02) {
            expect(result.header.subgroupId).toBe(objects.length > 0 ? firstId : undefined);
          } else {
            expect(result.header.subgroupId).toBe(subgroupId);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects unknown stream types, bad statuses, extensions on missing objects and oversized lengths", async () => {
    for (const type of ["00", "01", "04", "06", "0f", "16", "17", "1e", "1f", "20", "7fff"]) {
      const error = await rejection(readDataStreamHeader(new StreamReader(streamOf(fromHex(`${type} 01 01 01 01`)))));
      expect(error.code).toBe(PV);
    }
    expect((await rejection(readSubgroupStream(fromHex("10 01 01 00" + "00 00 02")))).message).toMatch(/status 2/);
    expect((await rejection(readSubgroupStream(fromHex("10 01 01 00" + "00 00 05")))).message).toMatch(/status 5/);
    // Type 0x11: extension length 2, a header (type 2, value 1), empty payload, status DOES_NOT_EXIST.
    expect((await rejection(readSubgroupStream(fromHex("11 01 01 00" + "00 02 0201 00 01")))).message).toMatch(
      /does not exist/,
    );
    // ... while extensions on END_OF_GROUP are fine.
    const ok = await readSubgroupStream(fromHex("11 01 01 00" + "00 02 0201 00 03"));
    expect(ok.objects[0]).toEqual({ objectId: 0, extensions: fromHex("0201"), status: 3, payload: new Uint8Array(0) });
    // Payload length 2^40 and extension length 2^40 on a few bytes.
    expect((await rejection(readSubgroupStream(fromHex("10 01 01 00" + "00 c000010000000000 00")))).message).toMatch(
      /payload length/,
    );
    expect((await rejection(readSubgroupStream(fromHex("11 01 01 00" + "00 c000010000000000 00")))).message).toMatch(
      /extension headers length/,
    );
  });

  it("a FIN inside the header or an object is a protocol violation; at an object boundary it is the end", async () => {
    const stream = fromHex("14 02 00 05 00" + "00 04 61626364" + "02 00 01");
    for (let cut = 1; cut < stream.length; cut++) {
      const promise = readSubgroupStream(stream.subarray(0, cut), [2]);
      if (cut === 5 || cut === 11) {
        await expect(promise).resolves.toMatchObject({ objects: expect.any(Array) });
      } else {
        expect((await rejection(promise)).message).toMatch(/^stream ended inside/);
      }
    }
    expect((await readSubgroupStream(stream)).objects.map((o) => o.objectId)).toEqual([0, 3]);
  });

  it("encoder argument checks", () => {
    const h = { extensions: false };
    expect(() => encodeSubgroupObjectHeader(h, 5, { objectId: 5, payloadLength: 1 })).toThrow(EncodeError);
    expect(() => encodeSubgroupObjectHeader(h, undefined, { objectId: 0, payloadLength: 1, status: 3 })).toThrow(
      EncodeError,
    );
    expect(() => encodeSubgroupObjectHeader(h, undefined, { objectId: 0, payloadLength: 0, status: 2 })).toThrow(
      EncodeError,
    );
    expect(() =>
      encodeSubgroupObjectHeader(h, undefined, { objectId: 0, payloadLength: 1, extensions: fromHex("0201") }),
    ).toThrow(EncodeError);
    expect(() =>
      encodeSubgroupObjectHeader({ extensions: true }, undefined, {
        objectId: 0,
        payloadLength: 0,
        status: 1,
        extensions: fromHex("0201"),
      }),
    ).toThrow(EncodeError);
    expect(() => encodeSubgroupHeader({ trackAlias: 0, groupId: 0, subgroupId: 0, publisherPriority: 256 })).toThrow(
      EncodeError,
    );
    expect(() => encodeSubgroupHeader({ trackAlias: 0, groupId: 0, subgroupId: -1, publisherPriority: 0 })).toThrow(
      EncodeError,
    );
  });
});

describe("fetch streams", () => {
  async function readFetchStream(bytes: Uint8Array, chunks: readonly number[] = [4]) {
    const reader = new StreamReader(streamOf(bytes, chunks));
    const start = await readDataStreamHeader(reader);
    const objects: FetchObject[] = [];
    for (;;) {
      const object = await readFetchObject(reader);
      if (object === undefined) break;
      objects.push(object);
    }
    return { start, objects };
  }

  it("round-trips the header and objects in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        varint,
        fc.array(
          fc.record({
            groupId: varint,
            subgroupId: varint,
            objectId: varint,
            publisherPriority: u8,
            object: objectArbitrary,
          }),
          { maxLength: 5 },
        ),
        fc.array(fc.nat(9), { minLength: 1, maxLength: 4 }).map((s) => [...s, 2]),
        async (requestId, objects, chunks) => {
          const parts = [encodeFetchHeader(requestId)];
          const expected: FetchObject[] = [];
          for (const { object, ...ids } of objects) {
            parts.push(
              encodeFetchObjectHeader({
                ...ids,
                extensions: object.extensions,
                status: object.status,
                payloadLength: object.payload.length,
              }),
              object.payload,
            );
            expected.push({ ...ids, extensions: object.extensions, status: object.status, payload: object.payload });
          }
          const { start, objects: read } = await readFetchStream(concat(parts), chunks);
          expect(start).toEqual({ kind: "fetch", header: { requestId } });
          expect(read).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("bytes: header, then an object with an empty extension block and a 2-byte payload", () => {
    expect(hex(encodeFetchHeader(7))).toBe("0507");
    expect(
      hex(encodeFetchObjectHeader({ groupId: 1, subgroupId: 0, objectId: 2, publisherPriority: 3, payloadLength: 2 })),
    ).toBe("0100020300" + "02");
    expect(
      hex(
        encodeFetchObjectHeader({
          groupId: 1,
          subgroupId: 0,
          objectId: 2,
          publisherPriority: 3,
          payloadLength: 0,
          status: 4,
        }),
      ),
    ).toBe("0100020300" + "00" + "04");
  });

  it("rejections", async () => {
    expect((await rejection(readFetchStream(fromHex("05 01" + "00 00 00 00 00 00 02")))).code).toBe(PV);
    expect((await rejection(readFetchStream(fromHex("05 01" + "00 00 00 00 02 0201 00 01")))).message).toMatch(
      /does not exist/,
    );
    expect((await rejection(readFetchStream(fromHex("05 01" + "00 00 00 00 00 05 6162")))).message).toBe(
      "stream ended inside object payload",
    );
    expect((await rejection(readFetchStream(fromHex("05")))).message).toBe("stream ended inside request ID");
  });
});

describe("object datagrams", () => {
  it("byte-exact: type 0x04 (object 0, payload), 0x00, 0x02, 0x20 (status)", () => {
    const base = { trackAlias: 1, groupId: 5, publisherPriority: 7 };
    expect(hex(encodeObjectDatagram({ ...base, objectId: 0, payload: utf8("hi") }))).toBe("0401050" + "76869");
    expect(hex(encodeObjectDatagram({ ...base, objectId: 3, payload: utf8("hi") }))).toBe("000105030" + "76869");
    expect(hex(encodeObjectDatagram({ ...base, objectId: 3, endOfGroup: true, payload: utf8("hi") }))).toBe(
      "02010503076869",
    );
    expect(hex(encodeObjectDatagram({ ...base, objectId: 0, status: ObjectStatus.END_OF_TRACK }))).toBe(
      "2001050007" + "04",
    );
  });

  it("round-trips all ten types", () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(datagramFields, (input) => {
        const bytes = encodeObjectDatagram(input);
        seen.add(bytes[0] as number);
        const expected: ObjectDatagram = { ...input, payload: input.payload };
        expect(decodeObjectDatagram(bytes)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0x20, 0x21]);
  });

  it("rejections", () => {
    const violation = (bytes: string) => {
      try {
        decodeObjectDatagram(fromHex(bytes));
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolViolation);
        return (error as ProtocolViolation).message;
      }
      throw new Error("expected a ProtocolViolation");
    };
    expect(violation("08 01 01 01 00")).toMatch(/unknown datagram type/);
    expect(violation("22 01 01 01 00 00")).toMatch(/unknown datagram type/);
    expect(violation("01 01 01 01 00 00 6869")).toMatch(/empty extension block/);
    expect(violation("21 01 01 01 00 00 00")).toMatch(/empty extension block/);
    expect(violation("21 01 01 01 00 02 0201 01")).toMatch(/does not exist/);
    expect(violation("20 01 01 01 00 02")).toMatch(/status 2/);
    expect(violation("20 01 01 01 00 00 00")).toBe("1 trailing bytes");
    expect(violation("20 01 01 01 00")).toBe("object status truncated");
    expect(violation("01 01 01 01 00 c000010000000000")).toMatch(/exceeds/);
    expect(() => decodeObjectDatagram(fromHex("04 01 01 00 616263"), { ...DEFAULT_LIMITS, maxObjectBytes: 2 })).toThrow(
      /exceeds 2/,
    );
  });

  it("encoder argument checks", () => {
    const base = { trackAlias: 1, groupId: 5, objectId: 0, publisherPriority: 7 };
    expect(() => encodeObjectDatagram({ ...base, status: 3, endOfGroup: true })).toThrow(EncodeError);
    expect(() => encodeObjectDatagram({ ...base, status: 3, payload: utf8("x") })).toThrow(EncodeError);
    expect(() => encodeObjectDatagram({ ...base, status: 2 })).toThrow(EncodeError);
    expect(() => encodeObjectDatagram({ ...base, status: 1, extensions: fromHex("0201") })).toThrow(EncodeError);
  });
});
