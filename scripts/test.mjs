#!/usr/bin/env node
// Runs every test: lint and format (Biome), type check, unit tests (Vitest), Deno tests, and the
// end-to-end tests in headless Chromium (Playwright). Runs every stage even after a failure, then
// prints one closing line "tests: N passed, N failed" (each static check counts as one test).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const reports = join(root, ".tmp", "reports");
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

/** Files under `dir` whose names end with `suffix`, skipping node_modules. */
function find(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path, suffix);
    return entry.name.endsWith(suffix) ? [relative(root, path)] : [];
  });
}

function run(command, args, env = {}) {
  console.log(`\n== ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, env: { ...process.env, ...env } });
  return result.status === 0;
}

const counts = { passed: 0, failed: 0 };
const stages = [];

function staticCheck(name, command, args) {
  const ok = run(command, args);
  counts[ok ? "passed" : "failed"]++;
  stages.push(`${name}: ${ok ? "ok" : "FAILED"}`);
}

function suite(name, command, args, readCounts, env) {
  const ok = run(command, args, env);
  let passed = 0;
  let failed = 0;
  try {
    ({ passed, failed } = readCounts());
  } catch (error) {
    console.error(`${name}: no report (${error.message})`);
  }
  // A runner that failed without naming a failed test still failed.
  if (!ok && failed === 0) failed = 1;
  if (ok && passed === 0) {
    console.error(`${name}: ran no test`);
    failed++;
  }
  counts.passed += passed;
  counts.failed += failed;
  stages.push(`${name}: ${passed} passed, ${failed} failed`);
}

const json = (file) => JSON.parse(readFileSync(join(reports, file), "utf8"));

staticCheck("lint", "pnpm", ["exec", "biome", "check", "."]);
staticCheck("typecheck", "pnpm", ["exec", "tsc", "-p", "tsconfig.json"]);
// The relay (and the fan-out benchmark's clients) run on Deno: Deno's own type check, with its runtime's types.
staticCheck("typecheck (deno)", "pnpm", [
  "exec",
  "deno",
  "check",
  "--unstable-net",
  ...find(join(root, "packages", "relay"), ".ts"),
  ...find(join(root, "bench", "relay-fanout"), ".ts"),
]);

suite(
  "vitest",
  "pnpm",
  ["exec", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${join(reports, "vitest.json")}`],
  () => {
    const report = json("vitest.json");
    return { passed: report.numPassedTests, failed: report.numFailedTests };
  },
);

const denoTests = find(join(root, "packages"), ".deno.test.ts");
suite(
  "deno",
  "pnpm",
  ["exec", "deno", "test", "--unstable-net", "--allow-all", "--junit-path", join(reports, "deno.xml"), ...denoTests],
  () => {
    const xml = readFileSync(join(reports, "deno.xml"), "utf8");
    const suiteTag = xml.match(/<testsuites[^>]*>/)?.[0] ?? "";
    const attr = (name) => Number(suiteTag.match(new RegExp(`${name}="(\\d+)"`))?.[1] ?? 0);
    return { passed: attr("tests") - attr("failures") - attr("errors"), failed: attr("failures") + attr("errors") };
  },
);

suite(
  "playwright",
  "pnpm",
  ["exec", "playwright", "test", "--reporter=list,json"],
  () => {
    const { stats } = json("playwright.json");
    return { passed: stats.expected + stats.flaky, failed: stats.unexpected };
  },
  { PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, "playwright.json") },
);

console.log(`\n${stages.join("\n")}`);
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 ? 0 : 1);
