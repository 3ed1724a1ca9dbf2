// Fuzzing the control message decoders, per type: random payloads, and valid messages with bit
// flips, truncation, insertion and length tampering. Only ProtocolViolation may escape; decoding
// is synchronous with every loop bounded by a limit, so it always finishes.
//
// Inputs derive from integer seeds (valid messages come from a pool sampled once): generating
// structured values per run would make 10,000 runs per type too slow for the suite's budget.
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { hex, messages, mutateWithSeed, randomBytes } from "../../test/wire/test-helpers.ts";
import { ProtocolViolation } from "./error.ts";
import { type ControlMessage, decodeControlMessage, encodeControlMessage, MessageType } from "./message.ts";
import { Reader } from "./reader.ts";

const RUNS = 10_000;
const POOL = 200;

/** readControlMessage's framing, synchronously: type, 16-bit length, payload. */
function decodeFramed(bytes: Uint8Array): ControlMessage {
  const r = new Reader(bytes);
  const type = r.varint("message type");
  const length = (r.u8("message length") << 8) | r.u8("message length");
  return decodeControlMessage(type, r.bytes(length, "message payload"));
}

function expectOnlyViolations(bytes: Uint8Array, decode: (bytes: Uint8Array) => unknown): void {
  try {
    decode(bytes);
  } catch (error) {
    if (!(error instanceof ProtocolViolation)) throw new Error(`input ${hex(bytes)} threw ${String(error)}`);
  }
}

describe("fuzz: control messages", () => {
  // Nearly every input throws: capturing 20,000 stack traces per type would dominate the run time.
  const stackTraceLimit = Error.stackTraceLimit;
  beforeAll(() => {
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = stackTraceLimit;
  });

  for (const [kind, arbitrary] of Object.entries(messages)) {
    const type = MessageType[kind.toUpperCase() as keyof typeof MessageType];
    it(`${kind}: random payloads and mutated valid messages throw only ProtocolViolation`, () => {
      const pool = fc
        .sample(arbitrary as fc.Arbitrary<ControlMessage>, { numRuns: POOL, seed: type })
        .map(encodeControlMessage);
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          const index = (seed >>> 0) % POOL;
          // Each case: one random payload and one mutated valid message (10,000 of each).
          expectOnlyViolations(randomBytes(seed, 48), (b) => decodeControlMessage(type, b));
          expectOnlyViolations(mutateWithSeed(pool[index] as Uint8Array, seed), decodeFramed);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
