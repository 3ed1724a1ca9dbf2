import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { spyOnAllocations, streamOf, varint } from "../../test/wire/test-helpers.ts";
import { ProtocolViolation } from "./error.ts";
import { Reader } from "./reader.ts";
import { StreamReader } from "./stream-reader.ts";
import { Writer } from "./writer.ts";

describe("StreamReader", () => {
  it("reads the same fields as Reader, whatever the chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            varint.map((v) => ({ v })),
            fc.uint8Array({ maxLength: 40 }).map((b) => ({ b })),
          ),
          {
            maxLength: 20,
          },
        ),
        fc.array(fc.nat(12), { minLength: 1, maxLength: 6 }).map((s) => [...s, 1]),
        async (fields, chunks) => {
          const w = new Writer();
          for (const f of fields) {
            if ("v" in f) w.varint(f.v);
            else w.lengthPrefixedBytes(f.b);
          }
          const bytes = w.finish();
          const expected = new Reader(bytes);
          const reader = new StreamReader(streamOf(bytes, chunks));
          for (const f of fields) {
            if ("v" in f) expect(await reader.varint()).toBe(expected.varint());
            else {
              const length = await reader.varint();
              expect(await reader.bytes(length)).toEqual(expected.bytes(expected.varint()));
            }
          }
          expect(await reader.atEnd()).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("returns a view of the chunk when the bytes lie inside it", async () => {
    const chunk = Uint8Array.of(1, 2, 3, 4, 5, 6);
    const reader = new StreamReader(
      new ReadableStream({
        start(c) {
          c.enqueue(chunk);
          c.close();
        },
      }),
    );
    expect(await reader.u8()).toBe(1);
    const view = await reader.bytes(4);
    expect(view.buffer).toBe(chunk.buffer);
    expect(Array.from(view)).toEqual([2, 3, 4, 5]);
    expect(await reader.atEnd()).toBe(false);
    expect(await reader.u8()).toBe(6);
    expect(await reader.atEnd()).toBe(true);
    expect(await reader.atEnd()).toBe(true);
  });

  it("atEnd skips empty chunks; a FIN inside a field names the field", async () => {
    const reader = new StreamReader(streamOf(Uint8Array.of(0x40), [0, 0, 1]));
    expect(await reader.atEnd()).toBe(false);
    const error = await reader.varint("track alias").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolViolation);
    expect(error).toMatchObject({ code: 3, message: "stream ended inside track alias" });
    await expect(new StreamReader(streamOf(new Uint8Array(0))).u8("priority")).rejects.toThrow(
      "stream ended inside priority",
    );
  });

  it("errors of the underlying stream (a reset) propagate unchanged", async () => {
    const reset = new Error("reset by peer");
    const reader = new StreamReader(streamOf(Uint8Array.of(1, 2), [1], reset));
    expect(await reader.u8()).toBe(1);
    await expect(reader.bytes(5)).rejects.toBe(reset);
  });

  it("cancel() reaches the source; releaseLock() frees the stream", async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(Uint8Array.of(1));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = new StreamReader(stream);
    expect(await reader.u8()).toBe(1);
    await reader.cancel("stop");
    expect(cancelled).toBe("stop");
    const other = new ReadableStream<Uint8Array>();
    new StreamReader(other).releaseLock();
    expect(other.locked).toBe(false);
  });

  it("bytes(huge) on a short stream throws at FIN without allocating the declared size", async () => {
    const received = 64 * 1024;
    const spy = spyOnAllocations();
    let error: unknown;
    try {
      const reader = new StreamReader(streamOf(new Uint8Array(received), [4096]));
      error = await reader.bytes(2 ** 30, "object payload").catch((e: unknown) => e);
    } finally {
      spy.restore();
    }
    expect(error).toBeInstanceOf(ProtocolViolation);
    expect((error as Error).message).toBe("stream ended inside object payload");
    expect(spy.largest).toBeLessThanOrEqual(received);
  });

  it("the allocation spy does see StreamReader's copies (so the test above is not vacuous)", async () => {
    const spy = spyOnAllocations();
    try {
      await new StreamReader(streamOf(new Uint8Array(1000), [100])).bytes(1000);
    } finally {
      spy.restore();
    }
    expect(spy.largest).toBe(1000);
  });

  it("a 1 GiB declared length costs only the received bytes (memory check)", async () => {
    const before = process.memoryUsage().arrayBuffers;
    const reader = new StreamReader(streamOf(new Uint8Array(1024 * 1024), [65536]));
    await expect(reader.bytes(2 ** 30)).rejects.toThrow(ProtocolViolation);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });

  it("assembles a large field from many chunks in linear time", async () => {
    const size = 4 * 1024 * 1024;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
    const reader = new StreamReader(streamOf(bytes, [1024]));
    const started = performance.now();
    const out = await reader.bytes(size);
    expect(performance.now() - started).toBeLessThan(2000);
    // (toEqual on megabytes is slow: compare by hand.)
    expect(out.length).toBe(size);
    expect(out.every((b, i) => b === (i & 0xff))).toBe(true);
  });
});
