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
    const summary = await runFuzz({ durationMs: 5_000, concurrency: 8, target: 5_000, decodeProcesses: 1 });
    assert.deepEqual(summary.failures, [], JSON.stringify({ ...summary, casesPerDecoder: undefined }));
    assert.ok(summary.sessionsOpened >= 20, `only ${summary.sessionsOpened} fuzz sessions opened`);
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
