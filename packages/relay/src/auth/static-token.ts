// A static shared token (--token), compared in constant time: both sides are hashed with SHA-256 and
// the digests compared with timingSafeEqual, so the time taken says nothing of how much of a guess
// was right, nor of the token's length.
import { createHash, timingSafeEqual } from "node:crypto";

function digest(value: string | Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(value).digest());
}

export class StaticToken {
  readonly #digest: Uint8Array;

  constructor(token: string) {
    this.#digest = digest(token);
  }

  /** Whether `given` (text as UTF-8, or bytes exactly) is the token. */
  matches(given: string | Uint8Array): boolean {
    return timingSafeEqual(digest(given), this.#digest);
  }
}
