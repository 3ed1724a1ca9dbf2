// Buffered reads of varints and byte runs off a QUIC receive stream, bounded by what the caller asks.
import { concatBytes, readVarint, varintLengthFromFirstByte } from "@moqkit/sdk/wire";
import { H3, H3ConnectionError } from "./errors.ts";

const EMPTY = new Uint8Array(0);

/**
 * Scratch buffers for BYOB reads. A default reader on Deno's QUIC byte streams allocates a fresh,
 * zeroed 64 KiB ArrayBuffer per read (autoAllocateChunkSize) and hands back a view of it, so every
 * small read pinned 64 KiB: here each read borrows a scratch buffer and keeps an exact copy.
 */
const SCRATCH_BYTES = 64 * 1024;
const scratchPool: ArrayBuffer[] = [];

export class ByteReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader;
  readonly #byob: boolean;
  #buffer: Uint8Array = EMPTY;
  #ended = false;

  constructor(readable: ReadableStream<Uint8Array>) {
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = readable.getReader({ mode: "byob" });
    } catch {
      // not a byte stream
    }
    this.#byob = byob !== undefined;
    this.#reader = byob ?? readable.getReader();
  }

  async #read(): Promise<{ value?: Uint8Array; done: boolean }> {
    if (!this.#byob) return await (this.#reader as ReadableStreamDefaultReader<Uint8Array>).read();
    const scratch = scratchPool.pop() ?? new ArrayBuffer(SCRATCH_BYTES);
    const { value, done } = await (this.#reader as ReadableStreamBYOBReader).read(new Uint8Array(scratch));
    if (value === undefined) return { value: undefined, done: true };
    const copy = value.slice();
    if (scratchPool.length < 256) scratchPool.push(value.buffer as ArrayBuffer);
    return { value: copy, done };
  }

  /** True once the stream ended and every buffered byte was taken. */
  get ended(): boolean {
    return this.#ended && this.#buffer.length === 0;
  }

  /** Buffers at least `count` bytes; false if the stream ended first. */
  async #fill(count: number): Promise<boolean> {
    while (this.#buffer.length < count) {
      if (this.#ended) return false;
      const { value, done } = await this.#read();
      if (done || value === undefined) {
        this.#ended = true;
        return this.#buffer.length >= count;
      }
      if (value.length === 0) continue;
      this.#buffer = this.#buffer.length === 0 ? value : concatBytes(this.#buffer, value);
    }
    return true;
  }

  /** The next varint; `undefined` at a clean end of stream. A stream ending inside one is H3_FRAME_ERROR. */
  async varint(): Promise<number | undefined> {
    if (!(await this.#fill(1))) return undefined;
    const length = varintLengthFromFirstByte(this.#buffer[0] as number);
    if (!(await this.#fill(length))) throw new H3ConnectionError(H3.FRAME_ERROR, "stream ended inside a varint");
    const result = readVarint(this.#buffer, 0) as { value: number; next: number };
    this.#buffer = this.#buffer.subarray(result.next);
    return result.value;
  }

  /** Exactly `count` bytes, or `undefined` if the stream ends first. The caller bounds `count`. */
  async bytes(count: number): Promise<Uint8Array | undefined> {
    if (!(await this.#fill(count))) return undefined;
    const out = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return out;
  }

  /** Whatever comes next, at most `max` bytes; `undefined` at the end of the stream. */
  async chunk(max = Number.POSITIVE_INFINITY): Promise<Uint8Array | undefined> {
    if (!(await this.#fill(1))) return undefined;
    const take = Math.min(max, this.#buffer.length);
    const out = this.#buffer.subarray(0, take);
    this.#buffer = this.#buffer.subarray(take);
    return out;
  }

  /** Discards `count` bytes without holding them; false if the stream ends first. */
  async skip(count: number): Promise<boolean> {
    let left = count;
    while (left > 0) {
      const piece = await this.chunk(left);
      if (piece === undefined) return false;
      left -= piece.length;
    }
    return true;
  }

  /** Stops reading (STOP_SENDING to the peer). */
  async cancel(reason?: unknown): Promise<void> {
    this.#buffer = EMPTY;
    this.#ended = true;
    await this.#reader.cancel(reason).catch(() => {});
  }
}
