// The in-process transport on its own: what it must do for the sessions above it to behave as over
// the browser's WebTransport, and that it stays web-standard (an inline worker runs it too).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createTransportPair, MockTransportError } from "./mock-transport.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const bytes: number[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) bytes.push(...chunk);
  return bytes;
}

describe("createTransportPair", () => {
  it("carries unidirectional streams with their bytes copied, and their send order", async () => {
    const [a, b] = createTransportPair();
    const incoming = b.incomingUnidirectionalStreams.getReader();
    const stream = await a.createUnidirectionalStream({ sendOrder: 7 });
    expect(stream.sendOrder).toBe(7);
    const writer = stream.getWriter();
    const chunk = Uint8Array.of(1, 2, 3);
    void writer.write(chunk);
    chunk[0] = 9;
    void writer.close();
    const { value } = await incoming.read();
    expect(await readAll(value as ReadableStream<Uint8Array>)).toEqual([1, 2, 3]);
  });

  it("carries bidirectional streams both ways", async () => {
    const [a, b] = createTransportPair();
    const mine = await a.createBidirectionalStream();
    const { value: theirs } = await b.incomingBidirectionalStreams.getReader().read();
    if (theirs === undefined) throw new Error("no stream");
    void mine.writable.getWriter().close();
    const back = theirs.writable.getWriter();
    void back.write(Uint8Array.of(4));
    void back.close();
    expect(await readAll(theirs.readable)).toEqual([]);
    expect(await readAll(mine.readable)).toEqual([4]);
  });

  it("propagates a reset to the reader and a stop to the writer, with their codes", async () => {
    const [a, b] = createTransportPair();
    const incoming = b.incomingUnidirectionalStreams.getReader();
    const reset = await a.createUnidirectionalStream();
    await reset.getWriter().abort({ streamErrorCode: 5 });
    const resetReader = ((await incoming.read()).value as ReadableStream<Uint8Array>).getReader();
    await expect(resetReader.read()).rejects.toMatchObject({ source: "stream", streamErrorCode: 5 });
    const stopped = await a.createUnidirectionalStream();
    const writer = stopped.getWriter();
    await ((await incoming.read()).value as ReadableStream<Uint8Array>).cancel({ streamErrorCode: 6 });
    await expect(writer.write(Uint8Array.of(1))).rejects.toMatchObject({ streamErrorCode: 6 });
  });

  it("makes a writer wait while its reader does not read (flow control)", async () => {
    const [a, b] = createTransportPair();
    const stream = await a.createUnidirectionalStream();
    const writer = stream.getWriter();
    let written = false;
    void writer.write(new Uint8Array(512 * 1024)).then(() => {
      written = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(written).toBe(false);
    const { value } = await b.incomingUnidirectionalStreams.getReader().read();
    await (value as ReadableStream<Uint8Array>).getReader().read();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(written).toBe(true);
  });

  it("carries datagrams; close() reaches both sides, then fails their streams", async () => {
    const [a, b] = createTransportPair();
    void a.datagrams.writable.getWriter().write(Uint8Array.of(8, 9));
    expect((await b.datagrams.readable.getReader().read()).value).toEqual(Uint8Array.of(8, 9));
    const open = await a.createUnidirectionalStream();
    const incoming = (
      (await b.incomingUnidirectionalStreams.getReader().read()).value as ReadableStream<Uint8Array>
    ).getReader();
    b.close({ closeCode: 0x10, reason: "going" });
    expect(await a.closed).toEqual({ closeCode: 0x10, reason: "going" });
    expect(await b.closed).toEqual({ closeCode: 0x10, reason: "going" });
    await expect(incoming.read()).rejects.toBeInstanceOf(MockTransportError);
    await expect(open.getWriter().write(Uint8Array.of(1))).rejects.toMatchObject({ source: "session" });
    await expect(a.createUnidirectionalStream()).rejects.toBeInstanceOf(MockTransportError);
  });

  it("is web-standard: no imports but the transport types, no Node globals", () => {
    const text = readFileSync(new URL("mock-transport.ts", import.meta.url), "utf8").replace(/\/\/.*$/gm, "");
    const imports = [...text.matchAll(/from\s+"([^"]+)"/g)].map((match) => match[1]);
    expect(imports).toEqual(["./transport.ts"]);
    for (const name of ["process", "Buffer", "require", "setImmediate", "window", "document", "global"])
      expect(text).not.toMatch(new RegExp(`(?<![\\w.#])${name}\\b(?!:)`));
  });
});
