// Reads fields from a ReadableStream (a data stream, the control stream). Chunks are kept as they
// arrive; a field is copied only when it spans chunks, and then only once all its bytes have
// arrived, so a huge declared length on a short stream costs nothing but the bytes received.
import { StreamEndedEarly } from "./error.ts";
import { varintLengthFromFirstByte } from "./varint.ts";

/**
 * Accounts for the bytes a StreamReader holds (received, not yet taken): a receiver bounds what
 * objects still arriving may hold in memory. `charge` throws to refuse more; the reader keeps what it
 * was charged for until it is taken or the reader is cancelled.
 */
export interface ReadBudget {
  charge(bytes: number): void;
  release(bytes: number): void;
}

export class StreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Received chunks; #chunks[#head] is read from #offset, earlier ones are spent. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  /** Unread bytes across #chunks. */
  #buffered = 0;
  #ended = false;
  readonly #budget: ReadBudget | undefined;

  constructor(stream: ReadableStream<Uint8Array>, budget?: ReadBudget) {
    this.#reader = stream.getReader();
    this.#budget = budget;
  }

  async u8(what = "u8"): Promise<number> {
    await this.#need(1, what);
    return this.#take(1)[0] as number;
  }

  async varint(what = "varint"): Promise<number> {
    await this.#need(1, what);
    const first = (this.#chunks[this.#head] as Uint8Array)[this.#offset] as number;
    const length = varintLengthFromFirstByte(first);
    await this.#need(length, what);
    const bytes = this.#take(length);
    let value = first & 0x3f;
    for (let i = 1; i < length; i++) value = value * 256 + (bytes[i] as number);
    return value;
  }

  /** The next `n` bytes: a view when they lie in one chunk, else one copy of exactly `n` bytes. */
  async bytes(n: number, what = "bytes"): Promise<Uint8Array> {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad length ${n}`);
    if (n === 0) return new Uint8Array(0);
    await this.#need(n, what);
    return this.#take(n);
  }

  /** True when the stream ended cleanly (FIN) with nothing left to read: a message or object boundary. */
  async atEnd(): Promise<boolean> {
    while (this.#buffered === 0) {
      if (this.#ended || !(await this.#pull())) return true;
    }
    return false;
  }

  async cancel(reason?: unknown): Promise<void> {
    this.#budget?.release(this.#buffered);
    this.#chunks = [];
    this.#head = 0;
    this.#buffered = 0;
    await this.#reader.cancel(reason);
  }

  releaseLock(): void {
    this.#reader.releaseLock();
  }

  /** Reads until `n` bytes are buffered; FIN first is a protocol violation. */
  async #need(n: number, what: string): Promise<void> {
    while (this.#buffered < n) {
      if (this.#ended || !(await this.#pull())) throw new StreamEndedEarly(what);
    }
  }

  /** Reads one chunk; false at FIN. Errors (a reset) propagate unchanged. */
  async #pull(): Promise<boolean> {
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#ended = true;
      return false;
    }
    if (value.length > 0) {
      this.#chunks.push(value);
      this.#buffered += value.length;
      // Counted before the charge: a refusal throws, and cancel() gives back what is held.
      this.#budget?.charge(value.length);
    }
    return true;
  }

  /** Removes `n` buffered bytes (the caller ensured they are there). */
  #take(n: number): Uint8Array {
    const head = this.#chunks[this.#head] as Uint8Array;
    this.#buffered -= n;
    this.#budget?.release(n);
    if (this.#offset + n <= head.length) {
      const out = head.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === head.length) this.#shift();
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#head] as Uint8Array;
      const count = Math.min(n - filled, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + count), filled);
      filled += count;
      this.#offset += count;
      if (this.#offset === chunk.length) this.#shift();
    }
    return out;
  }

  /** Moves past the head chunk; spent chunks are dropped in batches (Array.shift per chunk is O(n)). */
  #shift(): void {
    this.#head++;
    this.#offset = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 32 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
