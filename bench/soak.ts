// Relay soak: publisher → relay → 3 subscribers for MINUTES (default 10), sampling the relay's RSS and
// live JS heap every 10 s; growth after the first minute must stay under 10 % with zero errors. Prints
// one JSON summary (with every sample); exits non-zero when a goal is missed. Run: pnpm bench:soak
//
// The soak itself runs on Deno (packages/relay/stress/soak.ts: it starts the relay and the MoQT
// sessions, loopback only); this launcher runs it under Node as the other benchmarks are run.
// Env: MINUTES=10, SAMPLE_SECONDS=10, WARMUP_SECONDS=60, SUBSCRIBERS=3, RATE=30 (groups/s),
// MAX_GROWTH_PCT=10, MAX_GAP_MS=2000.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DENO } from "../e2e/deno-process.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const result = spawnSync(DENO, ["run", "--unstable-net", "--allow-all", "packages/relay/stress/soak.ts"], {
  cwd: ROOT,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
