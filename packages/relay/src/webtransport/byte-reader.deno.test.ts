import assert from "node:assert/strict";
import { encodeVarint } from "@moqkit/sdk/wire";
import { ByteReader } from "./byte-reader.ts";
import { H3, H3ConnectionError } from "./errors.ts";
import { concatBytes } from "./frames.ts";
import { splitAt, streamOf } from "./test-bytes.ts";

function oneByteChunks(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (byte) => Uint8Array.of(byte));
}

async function assertH3Error(promise: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof H3ConnectionError, `expected H3ConnectionError, got ${String(error)}`);
    assert.equal(error.code, code, `expected code 0x${code.toString(16)}, got 0x${error.code.toString(16)}`);
    return true;
  });
}

// One varint of each length: 1, 2, 4 and 8 bytes, with the largest values JavaScript holds exactly.
const VARINTS = [0, 37, 63, 64, 15293, 0x3fff, 0x4000, 494878333, 0x3fffffff, 0x40000000, 2 ** 53 - 1];
const ENCODED = concatBytes(...VARINTS.map(encodeVarint));

Deno.test("ByteReader.varint reads 1/2/4/8-byte varints split at every offset, then undefined", async () => {
  const splits: Uint8Array[][] = [[ENCODED], oneByteChunks(ENCODED)];
  for (let offset = 0; offset <= ENCODED.length; offset++) splits.push(splitAt(ENCODED, offset));
  for (const chunks of splits) {
    const reader = new ByteReader(streamOf(chunks));
    const values: number[] = [];
    for (;;) {
      const value = await reader.varint();
      if (value === undefined) break;
      values.push(value);
    }
    assert.deepEqual(values, VARINTS, `chunks of ${chunks.map((chunk) => chunk.length).join("+")}`);
    assert.equal(reader.ended, true);
  }
});

Deno.test("ByteReader.varint: a stream ending inside a varint is H3_FRAME_ERROR (0x106)", async () => {
  for (const value of [0x3fff, 0x3fffffff, 2 ** 53 - 1]) {
    const encoded = encodeVarint(value);
    for (let cut = 1; cut < encoded.length; cut++) {
      // Delivered whole and byte by byte: either way the varint is cut short.
      const truncated = encoded.slice(0, cut);
      await assertH3Error(new ByteReader(streamOf([truncated])).varint(), H3.FRAME_ERROR);
      await assertH3Error(new ByteReader(streamOf(oneByteChunks(truncated))).varint(), H3.FRAME_ERROR);
    }
  }
  // At a clean boundary the end is not an error.
  assert.equal(await new ByteReader(streamOf([])).varint(), undefined);
});

Deno.test("ByteReader.bytes takes exact runs across chunk boundaries; undefined when the stream ends first", async () => {
  const data = Uint8Array.from({ length: 100 }, (_, index) => index);
  for (let offset = 0; offset <= data.length; offset += 7) {
    const reader = new ByteReader(
      streamOf([...splitAt(data, offset, Math.min(data.length, offset + 3)), data.slice(0, 0)]),
    );
    assert.deepEqual(await reader.bytes(0), new Uint8Array(0));
    assert.deepEqual(await reader.bytes(10), data.subarray(0, 10));
    assert.deepEqual(await reader.bytes(55), data.subarray(10, 65));
    assert.equal(reader.ended, false);
    assert.equal(await reader.bytes(36), undefined, "only 35 bytes are left");
  }
  const exact = new ByteReader(streamOf(oneByteChunks(data)));
  assert.deepEqual(await exact.bytes(100), data);
  assert.equal(exact.ended, false, "the end is only known once a read sees it");
  assert.equal(await exact.chunk(), undefined);
  assert.equal(exact.ended, true);
});

Deno.test("ByteReader.chunk never exceeds max and, chained, gives back the stream exactly", async () => {
  const data = Uint8Array.from({ length: 1000 }, (_, index) => (index * 31) & 0xff);
  for (const max of [1, 7, 64, 999, 1000, Number.POSITIVE_INFINITY]) {
    const reader = new ByteReader(streamOf(splitAt(data, 1, 300, 301, 777)));
    const pieces: Uint8Array[] = [];
    for (;;) {
      const piece = await reader.chunk(max);
      if (piece === undefined) break;
      assert.ok(piece.length >= 1 && piece.length <= max, `piece of ${piece.length} with max ${max}`);
      pieces.push(piece);
    }
    assert.deepEqual(concatBytes(...pieces), data);
  }
});

Deno.test("ByteReader.skip discards across chunks; false when the stream ends first; empty chunks are ignored", async () => {
  const data = Uint8Array.from({ length: 50 }, (_, index) => index);
  const empty = new Uint8Array(0);
  const reader = new ByteReader(streamOf([empty, data.slice(0, 5), empty, data.slice(5, 40), empty, data.slice(40)]));
  assert.equal(await reader.skip(3), true);
  assert.equal(await reader.varint(), 3);
  assert.equal(await reader.skip(36), true); // ends inside the third chunk
  assert.deepEqual(await reader.bytes(2), Uint8Array.of(40, 41));
  assert.equal(await reader.skip(9), false, "8 bytes are left");
  assert.equal(reader.ended, true);
});

Deno.test("ByteReader mixes varints and bytes over one-byte chunks", async () => {
  const payload = new TextEncoder().encode("hello, frame");
  const encoded = concatBytes(encodeVarint(0x2843), encodeVarint(payload.length), payload, encodeVarint(0x3fffffff));
  const reader = new ByteReader(streamOf(oneByteChunks(encoded)));
  assert.equal(await reader.varint(), 0x2843);
  assert.equal(await reader.varint(), payload.length);
  assert.deepEqual(await reader.bytes(payload.length), payload);
  assert.equal(await reader.varint(), 0x3fffffff);
  assert.equal(await reader.varint(), undefined);
});

Deno.test("ByteReader.cancel cancels the source with the reason and drops buffered bytes", async () => {
  let cancelledWith: unknown = "not cancelled";
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(Uint8Array.of(1, 2, 3, 4));
    },
    cancel(reason) {
      cancelledWith = reason;
    },
  });
  const reader = new ByteReader(source);
  assert.deepEqual(await reader.bytes(1), Uint8Array.of(1));
  await reader.cancel(0x3994bd84);
  assert.equal(cancelledWith, 0x3994bd84);
  assert.equal(reader.ended, true);
  assert.equal(await reader.varint(), undefined, "the three buffered bytes are gone");
});

Deno.test("ByteReader passes a source error (a reset stream) through", async () => {
  let sent = false;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) controller.error(new Error("stream reset"));
      else controller.enqueue(Uint8Array.of(0x40));
      sent = true;
    },
  });
  await assert.rejects(new ByteReader(source).varint(), /stream reset/);
});
