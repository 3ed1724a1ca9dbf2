// Helpers for the wire tests: byte streams in chosen chunks, an allocation spy, and fast-check
// arbitraries for every control message and object form.
import fc from "fast-check";
import { ProtocolViolation } from "../../src/wire/error.ts";
import type { ControlMessage, ControlMessageKind } from "../../src/wire/message.ts";
import {
  type Location,
  type Namespace,
  ObjectStatus,
  type Parameter,
  type SubscribeFilter,
} from "../../src/wire/types.ts";
import { seededRandom } from "./test-bytes.ts";

export { fromHex, toHex as hex } from "./test-bytes.ts";
/** A small seeded PRNG: fuzz inputs derived from one integer are cheap to generate. */
export const prng = seededRandom;

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * A stream delivering `bytes` in chunks of the given sizes (cycled; 0 gives an empty chunk),
 * then FIN, or `error` instead of FIN.
 */
export function streamOf(
  bytes: Uint8Array,
  chunkSizes: readonly number[] = [bytes.length || 1],
  error?: unknown,
): ReadableStream<Uint8Array> {
  let offset = 0;
  let turn = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        if (error === undefined) controller.close();
        else controller.error(error);
        return;
      }
      const size = chunkSizes.length === 0 ? bytes.length : (chunkSizes[turn++ % chunkSizes.length] as number);
      // A copy, as a transport would hand over: no chunk shares the test's buffer.
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

/**
 * Records the largest length passed to `new Uint8Array(n)` / `new ArrayBuffer(n)` while installed
 * (code in wire/ looks these globals up at call time).
 */
export function spyOnAllocations(): { readonly largest: number; reset(): void; restore(): void } {
  const g = globalThis as unknown as { Uint8Array: unknown; ArrayBuffer: unknown };
  const originals = { Uint8Array: g.Uint8Array, ArrayBuffer: g.ArrayBuffer };
  const state = { largest: 0 };
  const track = <T extends object>(target: T): T =>
    new Proxy(target, {
      construct(t, args, newTarget) {
        if (typeof args[0] === "number" && args[0] > state.largest) state.largest = args[0];
        return Reflect.construct(t as unknown as new (...a: unknown[]) => object, args, newTarget);
      },
    });
  g.Uint8Array = track(originals.Uint8Array as object);
  g.ArrayBuffer = track(originals.ArrayBuffer as object);
  return {
    get largest() {
      return state.largest;
    },
    reset() {
      state.largest = 0;
    },
    restore() {
      g.Uint8Array = originals.Uint8Array;
      g.ArrayBuffer = originals.ArrayBuffer;
    },
  };
}

/** Runs `f`; anything thrown other than a ProtocolViolation is rethrown (fails the property). */
export function onlyViolations<T>(f: () => T): T | ProtocolViolation {
  try {
    return f();
  } catch (error) {
    if (error instanceof ProtocolViolation) return error;
    throw error;
  }
}

export async function onlyViolationsAsync<T>(f: () => Promise<T>): Promise<T | ProtocolViolation> {
  try {
    return await f();
  } catch (error) {
    if (error instanceof ProtocolViolation) return error;
    throw error;
  }
}

// Arbitraries.

/** Varints of every encoded length, exact as doubles. */
export const varint = fc.oneof(fc.nat(63), fc.nat(16383), fc.nat(2 ** 30 - 1), fc.maxSafeNat());
export const u8 = fc.nat(255);
export const bytes = (maxLength = 16) => fc.uint8Array({ maxLength });
export const location: fc.Arbitrary<Location> = fc.record({ group: varint, object: varint });
export const namespace: fc.Arbitrary<Namespace> = fc.array(bytes(8), { minLength: 1, maxLength: 32 });
export const namespacePrefix: fc.Arbitrary<Namespace> = fc.array(bytes(8), { maxLength: 32 });
export const reason = fc.string({ unit: "grapheme", maxLength: 40 });

export const parameter: fc.Arbitrary<Parameter> = fc.oneof(
  fc.record({ type: fc.nat(1000).map((t) => t * 2), value: varint }),
  fc.record({ type: fc.nat(1000).map((t) => t * 2 + 1), value: bytes(32) as fc.Arbitrary<number | Uint8Array> }),
);
export const parameters = fc.array(parameter, { maxLength: 6 });

export const filter: fc.Arbitrary<SubscribeFilter> = fc.oneof(
  fc.constant({ type: "next_group_start" as const }),
  fc.constant({ type: "largest_object" as const }),
  fc.record({ type: fc.constant("absolute_start" as const), start: location }),
  fc.record({ type: fc.constant("absolute_range" as const), start: location, endGroup: varint }),
);

const groupOrder = fc.constantFrom(0 as const, 1 as const, 2 as const);
const okGroupOrder = fc.constantFrom(1 as const, 2 as const);
const maybeLargest = fc.option(location, { nil: undefined });
const errorFields = { requestId: varint, errorCode: varint, reason };

const subscribeFields = {
  requestId: varint,
  namespace,
  trackName: bytes(16),
  subscriberPriority: u8,
  groupOrder,
  forward: fc.boolean(),
  filter,
  parameters,
};
const subscribeOkFields = {
  requestId: varint,
  trackAlias: varint,
  expires: varint,
  groupOrder: okGroupOrder,
  largest: maybeLargest,
  parameters,
};

type ByKind = { [K in ControlMessageKind]: fc.Arbitrary<Extract<ControlMessage, { kind: K }>> };

/** One arbitrary per control message kind. */
export const messages: ByKind = {
  client_setup: fc.record({
    kind: fc.constant("client_setup"),
    versions: fc.array(varint, { maxLength: 8 }),
    parameters,
  }),
  server_setup: fc.record({ kind: fc.constant("server_setup"), version: varint, parameters }),
  goaway: fc.record({ kind: fc.constant("goaway"), newSessionUri: reason }),
  max_request_id: fc.record({ kind: fc.constant("max_request_id"), requestId: varint }),
  requests_blocked: fc.record({ kind: fc.constant("requests_blocked"), maximumRequestId: varint }),
  subscribe: fc.record({ kind: fc.constant("subscribe"), ...subscribeFields }),
  subscribe_ok: fc.record({ kind: fc.constant("subscribe_ok"), ...subscribeOkFields }),
  subscribe_error: fc.record({ kind: fc.constant("subscribe_error"), ...errorFields }),
  subscribe_update: fc.record({
    kind: fc.constant("subscribe_update"),
    requestId: varint,
    subscriptionRequestId: varint,
    start: location,
    endGroup: varint,
    subscriberPriority: u8,
    forward: fc.boolean(),
    parameters,
  }),
  unsubscribe: fc.record({ kind: fc.constant("unsubscribe"), requestId: varint }),
  publish_done: fc.record({
    kind: fc.constant("publish_done"),
    requestId: varint,
    statusCode: varint,
    streamCount: varint,
    reason,
  }),
  publish: fc.record({
    kind: fc.constant("publish"),
    requestId: varint,
    namespace,
    trackName: bytes(16),
    trackAlias: varint,
    groupOrder: okGroupOrder,
    largest: maybeLargest,
    forward: fc.boolean(),
    parameters,
  }),
  publish_ok: fc.record({
    kind: fc.constant("publish_ok"),
    requestId: varint,
    forward: fc.boolean(),
    subscriberPriority: u8,
    groupOrder,
    filter,
    parameters,
  }),
  publish_error: fc.record({ kind: fc.constant("publish_error"), ...errorFields }),
  fetch: fc.record({
    kind: fc.constant("fetch"),
    requestId: varint,
    subscriberPriority: u8,
    groupOrder,
    fetch: fc.oneof(
      fc.record({
        type: fc.constant("standalone" as const),
        namespace,
        trackName: bytes(16),
        start: location,
        end: location,
      }),
      fc.record({
        type: fc.constantFrom("relative_joining" as const, "absolute_joining" as const),
        joiningRequestId: varint,
        joiningStart: varint,
      }),
    ),
    parameters,
  }),
  fetch_ok: fc.record({
    kind: fc.constant("fetch_ok"),
    requestId: varint,
    groupOrder: okGroupOrder,
    endOfTrack: fc.boolean(),
    end: location,
    parameters,
  }),
  fetch_error: fc.record({ kind: fc.constant("fetch_error"), ...errorFields }),
  fetch_cancel: fc.record({ kind: fc.constant("fetch_cancel"), requestId: varint }),
  track_status: fc.record({ kind: fc.constant("track_status"), ...subscribeFields }),
  track_status_ok: fc.record({ kind: fc.constant("track_status_ok"), ...subscribeOkFields }),
  track_status_error: fc.record({ kind: fc.constant("track_status_error"), ...errorFields }),
  publish_namespace: fc.record({ kind: fc.constant("publish_namespace"), requestId: varint, namespace, parameters }),
  publish_namespace_ok: fc.record({ kind: fc.constant("publish_namespace_ok"), requestId: varint }),
  publish_namespace_error: fc.record({ kind: fc.constant("publish_namespace_error"), ...errorFields }),
  publish_namespace_done: fc.record({ kind: fc.constant("publish_namespace_done"), namespace }),
  publish_namespace_cancel: fc.record({
    kind: fc.constant("publish_namespace_cancel"),
    namespace,
    errorCode: varint,
    reason,
  }),
  subscribe_namespace: fc.record({
    kind: fc.constant("subscribe_namespace"),
    requestId: varint,
    namespacePrefix,
    parameters,
  }),
  subscribe_namespace_ok: fc.record({ kind: fc.constant("subscribe_namespace_ok"), requestId: varint }),
  subscribe_namespace_error: fc.record({ kind: fc.constant("subscribe_namespace_error"), ...errorFields }),
  unsubscribe_namespace: fc.record({ kind: fc.constant("unsubscribe_namespace"), namespacePrefix }),
};

/**
 * OBJECT_DATAGRAM fields as an encoder accepts them: a status datagram carries no payload and is
 * not End of Group, and an object that does not exist carries no extensions.
 */
export const datagramFields = fc
  .record({
    trackAlias: varint,
    groupId: varint,
    objectId: fc.oneof(fc.constant(0), varint),
    publisherPriority: u8,
    extensions: fc.option(
      bytes(12).filter((b) => b.length > 0),
      { nil: undefined },
    ),
    endOfGroup: fc.boolean(),
    status: fc.option(
      fc.constantFrom(
        ObjectStatus.NORMAL,
        ObjectStatus.DOES_NOT_EXIST,
        ObjectStatus.END_OF_GROUP,
        ObjectStatus.END_OF_TRACK,
      ),
      { nil: undefined },
    ),
    payload: bytes(30),
  })
  .map((d) => {
    if (d.status === undefined) return d;
    const extensions = d.status === ObjectStatus.DOES_NOT_EXIST ? undefined : d.extensions;
    return { ...d, extensions, endOfGroup: false, payload: new Uint8Array(0) };
  });

export const anyMessage: fc.Arbitrary<ControlMessage> = fc.oneof(
  ...(Object.values(messages) as fc.Arbitrary<ControlMessage>[]),
);

/** Mutations of a valid encoding, for fuzzing: bit flips, truncation, insertion, length tampering. */
export type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "overwrite"; at: number; bytes: Uint8Array };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  // Overwriting with a large varint prefix (0xc0.., 0x80.., 0x7f) tampers with a length or count field.
  fc.record({
    op: fc.constant("overwrite" as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.constantFrom(
        Uint8Array.of(0xc0, 0, 0, 0x40, 0, 0, 0, 0),
        Uint8Array.of(0xbf, 0xff, 0xff, 0xff),
        Uint8Array.of(0x7f, 0xff),
        Uint8Array.of(0xff, 0xff),
      ),
    ),
  }),
);

export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = input.slice();
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + (m.op === "insert" ? 1 : 0));
    switch (m.op) {
      case "flip":
        if (out.length > 0) out[at] = (out[at] as number) ^ (1 << m.bit);
        break;
      case "truncate":
        out = out.slice(0, at);
        break;
      case "insert": {
        const next = new Uint8Array(out.length + m.bytes.length);
        next.set(out.subarray(0, at));
        next.set(m.bytes, at);
        next.set(out.subarray(at), at + m.bytes.length);
        out = next;
        break;
      }
      case "overwrite": {
        const next = out.slice();
        next.set(m.bytes.subarray(0, Math.max(0, next.length - at)), at);
        out = next;
        break;
      }
    }
  }
  return out;
}

/** Random bytes from a seed, biased towards short inputs. */
export function randomBytes(seed: number, maxLength: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(Math.floor(next() * (maxLength + 1)));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

const TAMPER = [
  Uint8Array.of(0xc0, 0, 0, 0x40, 0, 0, 0, 0),
  Uint8Array.of(0xbf, 0xff, 0xff, 0xff),
  Uint8Array.of(0x7f, 0xff),
  Uint8Array.of(0xff, 0xff),
  Uint8Array.of(0x00),
  Uint8Array.of(0x3f),
];

/** 1..3 mutations (bit flip, truncation, insertion, overwrite / length tampering) chosen by `seed`. */
export function mutateWithSeed(input: Uint8Array, seed: number): Uint8Array {
  const next = prng(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const mutations: Mutation[] = [];
  const count = 1 + pick(3);
  for (let i = 0; i < count; i++) {
    const at = pick(1 << 16);
    const randomChunk = () => Uint8Array.from({ length: 1 + pick(8) }, () => pick(256));
    switch (pick(5)) {
      case 0:
        mutations.push({ op: "flip", at, bit: pick(8) });
        break;
      case 1:
        mutations.push({ op: "truncate", at });
        break;
      case 2:
        mutations.push({ op: "insert", at, bytes: randomChunk() });
        break;
      case 3:
        mutations.push({ op: "overwrite", at, bytes: randomChunk() });
        break;
      default:
        mutations.push({ op: "overwrite", at, bytes: TAMPER[pick(TAMPER.length)] as Uint8Array });
    }
  }
  return mutate(input, mutations);
}
