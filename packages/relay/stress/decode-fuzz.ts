// The relay's decoders driven in-process (part of pnpm fuzz): the functions a relay session calls on
// what a peer sends (decodeControlMessage after the type + 16-bit length framing;
// readDataStreamHeader then readSubgroupObject / readFetchObject over a StreamReader;
// decodeObjectDatagram), on mutated cases from cases.ts, round-robin over every decoder until each
// has `target` cases or the time is up. Only ProtocolViolation may escape a decoder; anything else
// is a finding (decoder, seed, input bytes, error). Every case is bounded: the stream reads stop
// after 64 objects and each async case must settle within 2 s.
//
// Run alone: deno run --allow-all packages/relay/stress/decode-fuzz.ts [--duration-ms N] [--target N] [--seed N]
//   [--shard I --shards N] (this process takes decoders I, I+N, ...)
// (pnpm fuzz runs it as a niced child process next to the session fuzzer and prints its counts).
import {
  DEFAULT_LIMITS,
  decodeControlMessage,
  decodeObjectDatagram,
  ProtocolViolation,
  readDataStreamHeader,
  readFetchObject,
  readSubgroupObject,
  StreamReader,
} from "@moqkit/sdk/wire";
import { splitAt, streamOf } from "../src/webtransport/test-bytes.ts";
import { ALL_DECODERS, CaseFactory, type Decoder, flag, hex } from "./cases.ts";

export interface DecoderFinding {
  decoder: string;
  seed: number;
  input: string;
  error: string;
}

export interface DecoderFuzzReport {
  /** Cases run per decoder. */
  cases: Record<string, number>;
  totalCases: number;
  /** Cases that decoded without error (valid or harmlessly mutated). */
  decodedOk: number;
  /** Cases refused with a ProtocolViolation. */
  violations: number;
  /** Decoders that reached the target. */
  decodersAtTarget: number;
  decoders: number;
  target: number;
  elapsedMs: number;
  findings: DecoderFinding[];
}

const MAX_OBJECTS = 64;
const CASE_TIMEOUT_MS = 2_000;
const SLICE = 500;
const MAX_FINDINGS = 20;

/** A stream delivering `bytes` in 1..3 chunks, then FIN. */
function cutStream(bytes: Uint8Array, seed: number): ReadableStream<Uint8Array> {
  const offsets: number[] = [];
  const cuts = seed % 3;
  let start = 0;
  for (let i = 0; i < cuts && start < bytes.length; i++) {
    start += 1 + ((seed >>> (4 + i * 4)) % Math.max(1, bytes.length - start));
    offsets.push(start);
  }
  return streamOf(splitAt(bytes, ...offsets));
}

async function decodeStream(bytes: Uint8Array, seed: number): Promise<void> {
  const reader = new StreamReader(cutStream(bytes, seed));
  const header = await readDataStreamHeader(reader, DEFAULT_LIMITS);
  if (header.kind === "subgroup") {
    let previous: number | undefined;
    for (let i = 0; i < MAX_OBJECTS; i++) {
      const object = await readSubgroupObject(reader, header.header, previous, DEFAULT_LIMITS);
      if (object === undefined) return;
      previous = object.objectId;
    }
  } else {
    for (let i = 0; i < MAX_OBJECTS; i++) {
      if ((await readFetchObject(reader, DEFAULT_LIMITS)) === undefined) return;
    }
  }
}

/**
 * One watchdog for every stream case (a timer per case cost a third of the fuzzer's time): a case
 * still pending after `ms` is failed with an error, which the run records as a finding.
 */
class Watchdog {
  #current: { startedMs: number; fail: (error: Error) => void } | undefined;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(readonly ms: number) {
    this.#timer = setInterval(() => {
      const current = this.#current;
      if (current !== undefined && performance.now() - current.startedMs > ms) {
        current.fail(new Error(`the decoder did not settle within ${ms} ms`));
      }
    }, ms / 4);
  }

  /** Runs `work`, failing it if it is still pending after the watchdog's time. */
  run(work: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#current = { startedMs: performance.now(), fail: reject };
      work.then(resolve, reject);
    }).finally(() => {
      this.#current = undefined;
    });
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export async function runDecoderFuzz(options: {
  durationMs: number;
  target: number;
  seed?: number;
  /** This process's share of the decoders: shard `index` of `count` (round-robin). */
  shard?: { index: number; count: number };
}): Promise<DecoderFuzzReport> {
  const seedBase = options.seed ?? 1;
  const shard = options.shard ?? { index: 0, count: 1 };
  const decoders = ALL_DECODERS.filter((_, i) => i % shard.count === shard.index);
  const factory = new CaseFactory(seedBase);
  const cases: Record<string, number> = Object.fromEntries(decoders.map((d) => [d.name, 0]));
  const findings: DecoderFinding[] = [];
  let decodedOk = 0;
  let violations = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  // Nearly every case throws: stack traces would dominate the run time.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const watchdog = new Watchdog(CASE_TIMEOUT_MS);
  const record = (decoder: Decoder, seed: number, input: Uint8Array, error: unknown) => {
    if (error instanceof ProtocolViolation) {
      violations++;
      return;
    }
    if (findings.length < MAX_FINDINGS) {
      findings.push({ decoder: decoder.name, seed, input: hex(input), error: String(error) });
    }
  };
  try {
    // Bounded: at most target / SLICE rounds, each at most one slice per decoder.
    const rounds = Math.ceil(options.target / SLICE);
    for (let round = 0; round < rounds && performance.now() < deadline; round++) {
      for (const decoder of decoders) {
        if (performance.now() >= deadline) break;
        const done = cases[decoder.name] as number;
        const count = Math.min(SLICE, options.target - done);
        for (let i = 0; i < count; i++) {
          const seed = (seedBase * 1_000_003 + decoder.type * 7_919 + done + i) | 0;
          const input = factory.case(decoder, seed);
          try {
            if (decoder.kind === "control") decodeControlMessage(decoder.type, input, DEFAULT_LIMITS);
            else if (decoder.kind === "datagram") decodeObjectDatagram(input, DEFAULT_LIMITS);
            else await watchdog.run(decodeStream(input, seed >>> 0));
            decodedOk++;
          } catch (error) {
            record(decoder, seed, input, error);
          }
        }
        cases[decoder.name] = done + count;
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    watchdog.stop();
  }
  const totalCases = Object.values(cases).reduce((sum, n) => sum + n, 0);
  return {
    cases,
    totalCases,
    decodedOk,
    violations,
    decodersAtTarget: Object.values(cases).filter((n) => n >= options.target).length,
    decoders: decoders.length,
    target: options.target,
    elapsedMs: Math.round(performance.now() - start),
    findings,
  };
}

if (import.meta.main) {
  const report = await runDecoderFuzz({
    durationMs: flag("duration-ms", 60_000),
    target: flag("target", 100_000),
    seed: flag("seed", 1),
    shard: { index: flag("shard", 0), count: Math.max(1, flag("shards", 1)) },
  });
  console.log(JSON.stringify(report));
  Deno.exit(report.findings.length === 0 ? 0 : 1);
}
