// Fuzz cases for the relay's decoders (pnpm fuzz): mutated but well-framed MoQT traffic, derived
// from integer seeds so that any case replays exactly. A "decoder" is one control message type
// (decoded by decodeControlMessage after the type + 16-bit length framing), one data stream type
// (a SUBGROUP_HEADER type 0x10..0x1D, or FETCH_HEADER 0x05, read by readDataStreamHeader and then
// readSubgroupObject / readFetchObject), or one OBJECT_DATAGRAM type (decodeObjectDatagram).

import {
  type ControlMessage,
  type ControlMessageKind,
  concatBytes,
  encodeControlMessage,
  encodeFetchHeader,
  encodeFetchObjectHeader,
  encodeObjectDatagram,
  encodeSubgroupObjectHeader,
  MAX_MESSAGE_PAYLOAD,
  MessageType,
  ObjectStatus,
  Writer,
} from "@moqkit/sdk/wire";
import { toHex } from "@moqkit/sdk-test/wire/test-bytes.ts";
import { messages, mutateWithSeed, prng } from "@moqkit/sdk-test/wire/test-helpers.ts";
import fc from "fast-check";

export type DecoderKind = "control" | "subgroup" | "fetch" | "datagram";

export interface Decoder {
  /** e.g. "control:subscribe", "subgroup:0x1d", "fetch:0x05", "datagram:0x21". */
  name: string;
  kind: DecoderKind;
  /** The control message type, or the stream / datagram type. */
  type: number;
  /** For control decoders: the message kind. */
  messageKind?: ControlMessageKind;
}

const hexType = (type: number) => `0x${type.toString(16).padStart(2, "0")}`;

export const CONTROL_DECODERS: Decoder[] = (Object.keys(messages) as ControlMessageKind[]).map((kind) => ({
  name: `control:${kind}`,
  kind: "control",
  type: MessageType[kind.toUpperCase() as keyof typeof MessageType],
  messageKind: kind,
}));

/** 0x10..0x1D without 0x16, 0x17 (both subgroup ID bits), as isSubgroupHeaderType. */
export const SUBGROUP_TYPES = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d];
export const DATAGRAM_TYPES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x20, 0x21];

export const DATA_DECODERS: Decoder[] = [
  ...SUBGROUP_TYPES.map((type): Decoder => ({ name: `subgroup:${hexType(type)}`, kind: "subgroup", type })),
  { name: "fetch:0x05", kind: "fetch", type: 0x05 },
  ...DATAGRAM_TYPES.map((type): Decoder => ({ name: `datagram:${hexType(type)}`, kind: "datagram", type })),
];

export const ALL_DECODERS: Decoder[] = [...CONTROL_DECODERS, ...DATA_DECODERS];

/** Valid encodings per decoder, sampled once: mutations start from these. */
const POOL = 128;

/** A varint of any encoded length, biased to small values (track aliases, IDs). */
function randomVarint(next: () => number): number {
  switch (Math.floor(next() * 4)) {
    case 0:
      return Math.floor(next() * 64);
    case 1:
      return Math.floor(next() * 16384);
    case 2:
      return Math.floor(next() * 2 ** 30);
    default:
      return Math.floor(next() * 2 ** 53);
  }
}

function randomChunk(next: () => number, max: number): Uint8Array {
  return Uint8Array.from({ length: Math.floor(next() * (max + 1)) }, () => Math.floor(next() * 256));
}

const EXTENSIONS_BLOCK = Uint8Array.of(0x04, 0x05, 0x4d, 0x03, 0x61, 0x62, 0x63);

/** A valid object tail for a stream with or without extensions. */
function randomTail(next: () => number, extensions: boolean) {
  const payload = randomChunk(next, 24);
  const status =
    payload.length > 0
      ? ObjectStatus.NORMAL
      : ([ObjectStatus.NORMAL, ObjectStatus.DOES_NOT_EXIST, ObjectStatus.END_OF_GROUP, ObjectStatus.END_OF_TRACK][
          Math.floor(next() * 4)
        ] as number);
  const withExtensions = extensions && status !== ObjectStatus.DOES_NOT_EXIST && next() < 0.5;
  return { payload, status, extensions: withExtensions ? EXTENSIONS_BLOCK : undefined, payloadLength: payload.length };
}

/** A valid subgroup stream of header type `type`: header, then 0..4 objects. */
export function validSubgroupStream(type: number, seed: number, trackAlias?: number): Uint8Array {
  const next = prng(seed);
  const extensions = (type & 0x01) !== 0;
  const explicitId = (type & 0x04) !== 0;
  const header = new Writer(32)
    .varint(type)
    .varint(trackAlias ?? randomVarint(next))
    .varint(randomVarint(next));
  if (explicitId) header.varint(randomVarint(next));
  header.u8(Math.floor(next() * 256));
  const parts = [header.finish()];
  let previous: number | undefined;
  let id = Math.floor(next() * 100);
  const objects = Math.floor(next() * 5);
  for (let i = 0; i < objects; i++) {
    const tail = randomTail(next, extensions);
    parts.push(encodeSubgroupObjectHeader({ extensions }, previous, { objectId: id, ...tail }), tail.payload);
    previous = id;
    id += 1 + Math.floor(next() * 3);
  }
  return concatBytes(...parts);
}

/** A valid fetch stream: FETCH_HEADER, then 0..4 objects. */
export function validFetchStream(seed: number): Uint8Array {
  const next = prng(seed);
  const parts = [encodeFetchHeader(randomVarint(next))];
  const objects = Math.floor(next() * 5);
  for (let i = 0; i < objects; i++) {
    const tail = randomTail(next, true);
    const ids = { groupId: randomVarint(next), subgroupId: randomVarint(next), objectId: randomVarint(next) };
    parts.push(encodeFetchObjectHeader({ ...ids, publisherPriority: Math.floor(next() * 256), ...tail }), tail.payload);
  }
  return concatBytes(...parts);
}

/** A valid OBJECT_DATAGRAM of type `type`. */
export function validDatagram(type: number, seed: number, trackAlias?: number): Uint8Array {
  const next = prng(seed);
  const isStatus = (type & 0x20) !== 0;
  const extensions = (type & 0x01) !== 0 ? EXTENSIONS_BLOCK : undefined;
  const base = {
    trackAlias: trackAlias ?? randomVarint(next),
    groupId: randomVarint(next),
    objectId: (type & 0x04) !== 0 && !isStatus ? 0 : 1 + Math.floor(next() * 1000),
    publisherPriority: Math.floor(next() * 256),
    extensions,
  };
  if (isStatus) {
    const status = [ObjectStatus.NORMAL, ObjectStatus.END_OF_GROUP, ObjectStatus.END_OF_TRACK][
      Math.floor(next() * 3)
    ] as number;
    return encodeObjectDatagram({ ...base, status });
  }
  return encodeObjectDatagram({ ...base, endOfGroup: (type & 0x02) !== 0, payload: randomChunk(next, 40) });
}

/** Type varint (1 or 2 bytes here) of an encoded data stream or datagram. */
function typeLength(bytes: Uint8Array): number {
  return (bytes[0] as number) >> 6 === 0 ? 1 : 2;
}

/**
 * Mutated cases for one decoder. Control cases are payloads (`framed` adds the type and the exact
 * 16-bit length); data cases keep their type (the decoder under test) and mutate what follows.
 */
export class CaseFactory {
  readonly #pools = new Map<string, Uint8Array[]>();

  constructor(readonly seed: number) {}

  #pool(decoder: Decoder): Uint8Array[] {
    let pool = this.#pools.get(decoder.name);
    if (pool !== undefined) return pool;
    const poolSeed = (this.seed ^ (decoder.type * 0x9e3779b1)) | 0;
    if (decoder.kind === "control") {
      const arbitrary = messages[decoder.messageKind as ControlMessageKind] as fc.Arbitrary<ControlMessage>;
      pool = fc.sample(arbitrary, { numRuns: POOL, seed: poolSeed }).map((message) => {
        const framed = encodeControlMessage(message);
        // Past the type varint and the 16-bit length: the payload.
        return framed.subarray(typeLength(framed) + 2);
      });
    } else {
      pool = Array.from({ length: POOL }, (_, index) => {
        const itemSeed = poolSeed + index;
        if (decoder.kind === "subgroup") return validSubgroupStream(decoder.type, itemSeed);
        if (decoder.kind === "fetch") return validFetchStream(itemSeed);
        return validDatagram(decoder.type, itemSeed);
      });
    }
    this.#pools.set(decoder.name, pool);
    return pool;
  }

  /** A valid encoding (payload for control decoders) from the pool. */
  valid(decoder: Decoder, seed: number): Uint8Array {
    const pool = this.#pool(decoder);
    return pool[(seed >>> 0) % pool.length] as Uint8Array;
  }

  /**
   * Case `seed` for `decoder`: a control payload, a whole data stream, or a datagram. One in
   * eight is random bytes; one in sixteen a valid encoding unchanged; the rest mutate a valid one
   * (bit flips, truncation, insertion, overwrites with huge varints / lengths).
   */
  case(decoder: Decoder, seed: number): Uint8Array {
    const next = prng(seed ^ 0x5bd1e995);
    const roll = next();
    if (decoder.kind === "control") {
      if (roll < 0.125) return randomChunk(next, 64);
      const valid = this.valid(decoder, seed);
      if (roll < 0.1875) return valid;
      return mutateWithSeed(valid, seed);
    }
    const valid = this.valid(decoder, seed);
    const head = valid.subarray(0, typeLength(valid));
    if (roll < 0.125) return concatBytes(head, randomChunk(next, 64));
    if (roll < 0.1875) return valid;
    return concatBytes(head, mutateWithSeed(valid.subarray(head.length), seed));
  }

  /**
   * A data case whose header names `trackAlias` (so the relay routes it to a track and reads its
   * objects): a valid stream or datagram for that alias with only its objects / payload mutated.
   */
  routedCase(decoder: Decoder, seed: number, trackAlias: number): Uint8Array {
    if (decoder.kind === "datagram") {
      const valid = validDatagram(decoder.type, seed, trackAlias);
      const next = prng(seed);
      // Keep the type and alias (both 1 byte here): the datagram stays routed; half go unchanged.
      return next() < 0.5 ? valid : concatBytes(valid.subarray(0, 2), mutateWithSeed(valid.subarray(2), seed));
    }
    const valid =
      decoder.kind === "subgroup" ? validSubgroupStream(decoder.type, seed, trackAlias) : this.case(decoder, seed);
    if (decoder.kind !== "subgroup") return valid;
    // The header is type (1) + alias (1..8) + group ... : keep type and alias, mutate the rest.
    const aliasLength = 1 << ((valid[1] as number) >> 6);
    const keep = 1 + aliasLength;
    return concatBytes(valid.subarray(0, keep), mutateWithSeed(valid.subarray(keep), seed));
  }
}

/** A control message on the wire: type, the exact 16-bit length of `payload` (cut at 65535), payload. */
export function framed(type: number, payload: Uint8Array): Uint8Array {
  const body = payload.length > MAX_MESSAGE_PAYLOAD ? payload.subarray(0, MAX_MESSAGE_PAYLOAD) : payload;
  return new Writer(body.length + 10).varint(type).u16(body.length).bytes(body).finish();
}

export function hex(bytes: Uint8Array, max = 512): string {
  const shown = toHex(bytes.subarray(0, max));
  return bytes.length > max ? `${shown}…(${bytes.length} bytes)` : shown;
}

/** A non-negative number from the command line (`--name N`), or `fallback`; without either it throws. */
export function flag(name: string, fallback?: number): number {
  const index = Deno.args.indexOf(`--${name}`);
  const value = index >= 0 ? Number(Deno.args[index + 1]) : fallback;
  if (value === undefined || !Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
}
