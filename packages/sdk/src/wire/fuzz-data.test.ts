// Fuzzing the stream and datagram decoders: random bytes and mutated valid streams, fed through
// StreamReader in random-sized chunks. Only ProtocolViolation may escape, every run finishes
// within a bounded number of reads, and nothing is allocated beyond the bytes received.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anyMessage,
  bytes,
  datagramFields,
  hex,
  mutateWithSeed,
  prng,
  randomBytes,
  spyOnAllocations,
  streamOf,
  u8,
  utf8,
  varint,
} from "../../test/wire/test-helpers.ts";
import { readDataStreamHeader } from "./data-stream.ts";
import { decodeObjectDatagram, encodeObjectDatagram } from "./datagram.ts";
import { ProtocolViolation } from "./error.ts";
import { encodeFetchHeader, encodeFetchObjectHeader, readFetchObject } from "./fetch-stream.ts";
import { encodeControlMessage, readControlMessage } from "./message.ts";
import { encodeExtensionHeaders } from "./parameters.ts";
import { StreamReader } from "./stream-reader.ts";
import { encodeSubgroupHeader, encodeSubgroupObjectHeader, readSubgroupObject } from "./subgroup.ts";
import { ObjectStatus } from "./types.ts";

const RUNS = 10_000;
const POOL = 200;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const objectArbitrary = fc
  .record({
    gap: fc.nat(3),
    extensions: fc.option(
      fc.constant(
        encodeExtensionHeaders([
          { type: 4, value: 2186796243 },
          { type: 77, value: utf8("trace") },
        ]),
      ),
      { nil: undefined },
    ),
    status: fc.constantFrom(0, 1, 3, 4),
    payload: bytes(20),
  })
  .map((o) => {
    const status = o.payload.length > 0 ? ObjectStatus.NORMAL : o.status;
    return { ...o, status, extensions: status === ObjectStatus.DOES_NOT_EXIST ? undefined : o.extensions };
  });

const subgroupStream: fc.Arbitrary<Uint8Array> = fc
  .record({
    trackAlias: varint,
    groupId: varint,
    subgroupId: fc.oneof(fc.constant(0), varint),
    publisherPriority: u8,
    extensions: fc.boolean(),
    endOfGroup: fc.boolean(),
    firstObjectForm: fc.boolean(),
    firstId: fc.nat(100),
    objects: fc.array(objectArbitrary, { maxLength: 4 }),
  })
  .map((s) => {
    const parts = [encodeSubgroupHeader({ ...s, subgroupIdIsFirstObjectId: s.firstObjectForm })];
    let previous: number | undefined;
    let id = s.firstId;
    for (const o of s.objects) {
      const extensions = s.extensions ? o.extensions : undefined;
      parts.push(
        encodeSubgroupObjectHeader(s, previous, {
          objectId: id,
          extensions,
          status: o.status,
          payloadLength: o.payload.length,
        }),
        o.payload,
      );
      previous = id;
      id += o.gap + 1;
    }
    return concat(parts);
  });

const fetchStream: fc.Arbitrary<Uint8Array> = fc
  .record({
    requestId: varint,
    objects: fc.array(
      fc.record({ groupId: varint, subgroupId: varint, objectId: varint, publisherPriority: u8, o: objectArbitrary }),
      { maxLength: 4 },
    ),
  })
  .map(({ requestId, objects }) =>
    concat([
      encodeFetchHeader(requestId),
      ...objects.flatMap(({ o, ...ids }) => [
        encodeFetchObjectHeader({
          ...ids,
          extensions: o.extensions,
          status: o.status,
          payloadLength: o.payload.length,
        }),
        o.payload,
      ]),
    ]),
  );

const controlStream: fc.Arbitrary<Uint8Array> = fc
  .array(anyMessage, { minLength: 1, maxLength: 3 })
  .map((list) => concat(list.map(encodeControlMessage)));

const datagram: fc.Arbitrary<Uint8Array> = datagramFields.map(encodeObjectDatagram);

/** Chunk sizes from a seed: 0..15 bytes (some empty chunks), at least one non-empty. */
function chunking(seed: number): number[] {
  const next = prng(seed);
  return [
    ...Array.from({ length: 1 + Math.floor(next() * 4) }, () => Math.floor(next() * 16)),
    1 + Math.floor(next() * 15),
  ];
}

/** Decodes a whole data stream; returns how many reads it took. */
async function decodeDataStream(reader: StreamReader, maxObjects: number): Promise<number> {
  const start = await readDataStreamHeader(reader);
  let objects = 0;
  let previous: number | undefined;
  for (;;) {
    if (objects > maxObjects) throw new Error("decoding did not finish");
    if (start.kind === "subgroup") {
      const object = await readSubgroupObject(reader, start.header, previous);
      if (object === undefined) return objects;
      previous = object.objectId;
    } else if ((await readFetchObject(reader)) === undefined) {
      return objects;
    }
    objects++;
  }
}

async function decodeControlStream(reader: StreamReader, maxMessages: number): Promise<number> {
  let messages = 0;
  while ((await readControlMessage(reader)) !== undefined) {
    if (++messages > maxMessages) throw new Error("decoding did not finish");
  }
  return messages;
}

describe("fuzz: data streams, control stream and datagrams", () => {
  let spy: ReturnType<typeof spyOnAllocations>;
  const stackTraceLimit = Error.stackTraceLimit;
  beforeAll(() => {
    // Nearly every input throws: stack traces would dominate the run time.
    Error.stackTraceLimit = 0;
    spy = spyOnAllocations();
  });
  afterAll(() => {
    spy.restore();
    Error.stackTraceLimit = stackTraceLimit;
  });

  /** Runs `decode` on a stream of `input`; fails on anything but a ProtocolViolation or an over-allocation. */
  async function check(input: Uint8Array, seed: number, decode: (reader: StreamReader) => Promise<number>) {
    spy.reset();
    try {
      await decode(new StreamReader(streamOf(input, chunking(seed))));
    } catch (error) {
      if (!(error instanceof ProtocolViolation)) throw new Error(`input ${hex(input)} threw ${String(error)}`);
    }
    if (spy.largest > input.length) throw new Error(`input ${hex(input)} allocated ${spy.largest} bytes`);
  }

  function streamFuzz(
    name: string,
    arbitrary: fc.Arbitrary<Uint8Array>,
    typePrefixes: number[],
    decode: (r: StreamReader, max: number) => Promise<number>,
  ) {
    it(`${name}: random bytes and mutated valid streams, in random chunks`, async () => {
      const pool = fc.sample(arbitrary, { numRuns: POOL, seed: 14 });
      await fc.assert(
        fc.asyncProperty(fc.integer(), async (seed) => {
          const index = (seed >>> 0) % POOL;
          // Random bytes, half of them behind a valid stream type to get past the first check.
          const random = randomBytes(seed, 40);
          if (seed & 1 && random.length > 0) random[0] = typePrefixes[(seed >>> 1) % typePrefixes.length] as number;
          await check(random, seed, (r) => decode(r, random.length));
          const mutated = mutateWithSeed(pool[index] as Uint8Array, seed);
          await check(mutated, seed ^ 0x9e3779b9, (r) => decode(r, mutated.length));
        }),
        { numRuns: RUNS },
      );
    }, 60_000);
  }

  streamFuzz(
    "subgroup streams",
    subgroupStream,
    [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d],
    decodeDataStream,
  );
  streamFuzz("fetch streams", fetchStream, [0x05], decodeDataStream);
  streamFuzz(
    "control stream (readControlMessage)",
    controlStream,
    [0x03, 0x04, 0x20, 0x21, 0x16, 0x1d],
    decodeControlStream,
  );

  it("datagrams: random bytes and mutated valid datagrams", () => {
    const pool = fc.sample(datagram, { numRuns: POOL, seed: 14 });
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const index = (seed >>> 0) % POOL;
        for (const input of [randomBytes(seed, 40), mutateWithSeed(pool[index] as Uint8Array, seed)]) {
          try {
            decodeObjectDatagram(input);
          } catch (error) {
            if (!(error instanceof ProtocolViolation)) throw new Error(`input ${hex(input)} threw ${String(error)}`);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("sanity: the pools decode cleanly before mutation, and the allocation spy sees StreamReader's copies", async () => {
    spy.reset();
    await new StreamReader(streamOf(new Uint8Array(10), [4])).bytes(10);
    expect(spy.largest).toBe(10);
    for (const input of fc.sample(subgroupStream, 50).concat(fc.sample(fetchStream, 50))) {
      await expect(
        decodeDataStream(new StreamReader(streamOf(input, [3])), input.length),
      ).resolves.toBeGreaterThanOrEqual(0);
    }
    for (const input of fc.sample(controlStream, 50)) {
      await expect(decodeControlStream(new StreamReader(streamOf(input, [3])), 10)).resolves.toBeGreaterThan(0);
    }
    for (const input of fc.sample(datagram, 50)) expect(() => decodeObjectDatagram(input)).not.toThrow();
  });
});
