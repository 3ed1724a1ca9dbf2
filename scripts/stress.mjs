#!/usr/bin/env node
// pnpm test:stress: the long runs behind the short variants in pnpm test
// (packages/relay/stress/stress.deno.test.ts): the fuzzer at full length (pnpm fuzz, DURATION=60 s)
// and the full soak (pnpm bench:soak, MINUTES=10), about 12 minutes in all. Runs both even after a
// failure; each prints its JSON summary. Exits non-zero when either failed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function run(name, args, env) {
  console.log(
    `\n== pnpm ${args.join(" ")} (${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")})`,
  );
  const result = spawnSync("pnpm", args, { stdio: "inherit", cwd: root, env: { ...process.env, ...env } });
  const ok = result.status === 0;
  console.log(`${name}: ${ok ? "ok" : "FAILED"}`);
  return ok;
}

const fuzz = run("fuzz", ["fuzz"], { DURATION: process.env.DURATION ?? "60" });
const soak = run("soak", ["bench:soak"], { MINUTES: process.env.MINUTES ?? "10" });
console.log(`\nstress: fuzz ${fuzz ? "ok" : "FAILED"}, soak ${soak ? "ok" : "FAILED"}`);
process.exit(fuzz && soak ? 0 : 1);
