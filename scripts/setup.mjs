#!/usr/bin/env node
// Installs what the project needs on a fresh Debian machine with Node 20, and nothing when it is there:
// pnpm (pinned), the locked dependencies, and Debian's Chromium for the browser tests.
// Uses Node built-ins only: it runs before any dependency is installed.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PNPM_VERSION = "12.4.2";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("..", import.meta.url));

function run(command, args, options = {}) {
  console.log(`setup: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, ...options });
  if (result.status !== 0) {
    throw new Error(
      `setup: '${command} ${args.join(" ")}' failed with ${result.error ?? `exit code ${result.status}`}`,
    );
  }
}

function pnpmVersion() {
  try {
    return execFileSync("pnpm", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

const found = pnpmVersion();
if (found === undefined) {
  run("npm", ["install", "--global", `pnpm@${PNPM_VERSION}`]);
} else if (found !== PNPM_VERSION) {
  console.warn(`setup: pnpm ${found} found; this project is tested with pnpm ${PNPM_VERSION}`);
}

run("pnpm", ["install", "--frozen-lockfile"]);

if (!existsSync(CHROMIUM)) {
  // Debian's package: a test tool's own browser download cannot work on this machine.
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (...args) => (sudo.length ? run("sudo", ["apt-get", ...args]) : run("apt-get", args));
  apt("update");
  apt("install", "--yes", "--no-install-recommends", "chromium");
  if (!existsSync(CHROMIUM)) throw new Error(`setup: chromium installed but ${CHROMIUM} is missing`);
}
