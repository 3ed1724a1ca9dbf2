// The short variants, in pnpm test, of pnpm test:stress (issue 11, "Proof"): the fuzzer for ~5 s
// (mutated but well-framed sessions while a good stream runs, plus the relay's decoders in-process)
// and the soak for ~20 s with a looser growth bound. Same checks as the long runs; together under
// 30 s of wall time.
import assert from "node:assert/strict";
import { runFuzz } from "./fuzz.ts";
import { runSoak } from "./soak.ts";

Deno.test({
  name: "fuzz (short): mutated sessions never break the good stream nor the relay; decoders only refuse",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The good stream may stall up to 3 s here (1 s in pnpm fuzz): on this 2-core machine a loaded
    // run (benchmarks beside the suite) stalled it 2 s while every group still arrived.
    const summary = await runFuzz({
      durationMs: 5_000,
      concurrency: 8,
      target: 5_000,
      decodeProcesses: 1,
      maxGapMs: 3_000,
    });
    assert.deepEqual(summary.failures, [], JSON.stringify({ ...summary, casesPerDecoder: undefined }));
    // A loaded run opened 8 in 5 s, a quiet one ~500.
    assert.ok(summary.sessionsOpened >= 5, `only ${summary.sessionsOpened} fuzz sessions opened`);
    assert.ok(summary.goodStream.groupsExpected >= 100, `only ${summary.goodStream.groupsExpected} good groups`);
    assert.ok(summary.relayAlive);
    assert.ok(summary.inProcessCases >= 10_000, `only ${summary.inProcessCases} in-process cases`);
  },
});

Deno.test({
  name: "soak (short): publisher → relay → 3 subscribers, no errors, bounded memory growth",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // 20 s is too short to tell a leak from warm-up: the bound is looser (25 %) than the long run's 10 %.
    const summary = await runSoak({ durationMs: 16_000, sampleMs: 2_000, warmupMs: 6_000, maxGrowthPct: 25 });
    assert.deepEqual(summary.failures, [], JSON.stringify({ ...summary, samples: undefined }));
    assert.equal(summary.errors, 0);
    assert.ok(summary.samples.length >= 8);
  },
});
