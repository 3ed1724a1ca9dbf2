// Byte helpers shared by the webtransport tests only (hex and the PRNG come from the SDK's).
export { fromHex as hex, seededRandom, toHex } from "@moqkit/sdk-test/wire/test-bytes.ts";

/** A stream delivering `chunks` as they are (empty ones included), then ending. */
export function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

/** `bytes` cut at the given offsets. */
export function splitAt(bytes: Uint8Array, ...offsets: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    chunks.push(bytes.slice(start, offset));
    start = offset;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}
