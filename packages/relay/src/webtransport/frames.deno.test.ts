import assert from "node:assert/strict";
import { encodeVarint } from "@moqkit/sdk/wire";
import { ByteReader } from "./byte-reader.ts";
import { H3, H3ConnectionError } from "./errors.ts";
import {
  concatBytes,
  encodeFrame,
  encodePrefix,
  type FrameHeader,
  FrameType,
  readFrameHeader,
  readFramePayload,
  StreamType,
} from "./frames.ts";
import { splitAt, streamOf } from "./test-bytes.ts";

/** A ByteReader over `chunks`, delivered one by one, then the end of the stream. */
function readerOf(chunks: Uint8Array[]): ByteReader {
  return new ByteReader(streamOf(chunks));
}

async function assertH3Error(promise: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof H3ConnectionError, `expected H3ConnectionError, got ${String(error)}`);
    assert.equal(error.code, code, `expected code 0x${code.toString(16)}, got 0x${error.code.toString(16)}`);
    return true;
  });
}

function bytesOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 7 + seed) & 0xff);
}

/** Reads frames until the clean end of the stream. */
async function readAllFrames(reader: ByteReader, limit: number): Promise<Array<FrameHeader & { payload: Uint8Array }>> {
  const frames: Array<FrameHeader & { payload: Uint8Array }> = [];
  for (;;) {
    const header = await readFrameHeader(reader);
    if (header === undefined) return frames;
    frames.push({ ...header, payload: await readFramePayload(reader, header, limit) });
  }
}

Deno.test("encodeFrame writes type, length and payload as varints", () => {
  assert.deepEqual(encodeFrame(FrameType.SETTINGS, Uint8Array.of(1, 2)), Uint8Array.of(0x04, 0x02, 1, 2));
  assert.deepEqual(encodeFrame(FrameType.DATA, new Uint8Array(0)), Uint8Array.of(0x00, 0x00));
  // 0x41 and a length of 64 both need two bytes.
  const frame = encodeFrame(FrameType.WEBTRANSPORT_STREAM, new Uint8Array(64));
  assert.deepEqual(frame.subarray(0, 4), Uint8Array.of(0x40, 0x41, 0x40, 0x40));
  assert.equal(frame.length, 68);
  assert.deepEqual(encodePrefix(StreamType.WEBTRANSPORT, 4), Uint8Array.of(0x40, 0x54, 0x04));
  assert.deepEqual(concatBytes(), new Uint8Array(0));
});

// Frames with 1-, 2-, 4- and 8-byte types and lengths, empty payloads and a GREASE type.
const FRAMES: Array<{ type: number; payload: Uint8Array }> = [
  { type: FrameType.HEADERS, payload: bytesOf(5, 1) },
  { type: FrameType.DATA, payload: new Uint8Array(0) },
  { type: 0x1f * 7 + 0x21, payload: bytesOf(63, 2) }, // reserved (GREASE) frame type
  { type: FrameType.DATA, payload: bytesOf(64, 3) },
  { type: 0x2843, payload: bytesOf(300, 4) },
  { type: 0x1f * 2 ** 30 + 0x21, payload: bytesOf(1, 5) }, // an 8-byte GREASE type
  { type: FrameType.GOAWAY, payload: Uint8Array.of(0) },
];
const ENCODED = concatBytes(...FRAMES.map((frame) => encodeFrame(frame.type, frame.payload)));

Deno.test("frames round-trip when the stream is split at every possible offset", async () => {
  for (let offset = 0; offset <= ENCODED.length; offset++) {
    const frames = await readAllFrames(readerOf(splitAt(ENCODED, offset)), 1024);
    assert.deepEqual(
      frames.map(({ type, payload }) => ({ type, payload })),
      FRAMES,
      `split at ${offset}`,
    );
    assert.deepEqual(
      frames.map((frame) => frame.length),
      FRAMES.map((frame) => frame.payload.length),
    );
  }
});

Deno.test("frames round-trip over one-byte chunks and over pairs of split points", async () => {
  const oneByte = Array.from(ENCODED, (byte) => Uint8Array.of(byte));
  assert.deepEqual(
    (await readAllFrames(readerOf(oneByte), 1024)).map(({ type, payload }) => ({ type, payload })),
    FRAMES,
  );
  // Every pair of cuts within the first frames (where the headers are dense).
  const head = ENCODED.subarray(0, 90);
  for (let first = 1; first < head.length; first++) {
    for (let second = first; second < head.length; second += 3) {
      const frames = await readAllFrames(readerOf(splitAt(ENCODED, first, second)), 1024);
      assert.equal(frames.length, FRAMES.length, `cuts at ${first}, ${second}`);
      assert.deepEqual(frames[3]?.payload, FRAMES[3]?.payload);
    }
  }
});

Deno.test("HTTP/2-only frame types 0x02, 0x06, 0x08, 0x09 are H3_FRAME_UNEXPECTED (0x105)", async () => {
  for (const type of [0x02, 0x06, 0x08, 0x09]) {
    await assertH3Error(readFrameHeader(readerOf([encodeFrame(type, Uint8Array.of(0))])), H3.FRAME_UNEXPECTED);
  }
  // Their neighbours are legal HTTP/3 frame types (what a stream allows is checked elsewhere).
  for (const type of [0x03, 0x05, 0x07, 0x0a, 0x0d]) {
    assert.deepEqual(await readFrameHeader(readerOf([encodeFrame(type, Uint8Array.of(0))])), { type, length: 1 });
  }
});

Deno.test("a stream ending inside a frame header is H3_FRAME_ERROR (0x106); between frames it is a clean end", async () => {
  // A 2-byte type and a 4-byte length: six bytes of header.
  const header = concatBytes(encodeVarint(0x2843), encodeVarint(0x40000));
  for (let cut = 1; cut < header.length; cut++) {
    await assertH3Error(readFrameHeader(readerOf([header.slice(0, cut)])), H3.FRAME_ERROR);
    await assertH3Error(readFrameHeader(readerOf(splitAt(header.slice(0, cut), 1))), H3.FRAME_ERROR);
  }
  assert.equal(await readFrameHeader(readerOf([])), undefined);
  assert.equal(await readFrameHeader(readerOf([new Uint8Array(0)])), undefined);
});

Deno.test("a stream ending inside a frame payload is H3_FRAME_ERROR (0x106)", async () => {
  const frame = encodeFrame(FrameType.HEADERS, bytesOf(10, 9));
  for (let cut = 2; cut < frame.length; cut++) {
    const reader = readerOf([frame.slice(0, cut)]);
    const header = await readFrameHeader(reader);
    assert.deepEqual(header, { type: FrameType.HEADERS, length: 10 });
    await assertH3Error(readFramePayload(reader, header, 100), H3.FRAME_ERROR);
  }
});

Deno.test("a payload over the limit is H3_EXCESSIVE_LOAD (0x107), refused before it arrives", async () => {
  // The header claims 2^40 bytes that never come: the limit must be checked before reading.
  const never = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(concatBytes(encodeVarint(FrameType.HEADERS), encodeVarint(2 ** 40)));
    },
  });
  const reader = new ByteReader(never);
  const header = await readFrameHeader(reader);
  assert.deepEqual(header, { type: FrameType.HEADERS, length: 2 ** 40 });
  await assertH3Error(readFramePayload(reader, header, 4096), H3.EXCESSIVE_LOAD);
  await reader.cancel();

  // At the limit exactly it is read; one over is refused.
  const payload = bytesOf(100, 3);
  const atLimit = readerOf([encodeFrame(FrameType.DATA, payload)]);
  const atHeader = await readFrameHeader(atLimit);
  assert.ok(atHeader);
  assert.deepEqual(await readFramePayload(atLimit, atHeader, 100), payload);
  const over = readerOf([encodeFrame(FrameType.DATA, payload)]);
  const overHeader = await readFrameHeader(over);
  assert.ok(overHeader);
  await assertH3Error(readFramePayload(over, overHeader, 99), H3.EXCESSIVE_LOAD);
});
