#!/usr/bin/env node
// The main job: the local relay plus the example pages (built, then served), until Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const relayPort = process.env.RELAY_PORT ?? "4443";
const examples = [
  { name: "player", port: Number(process.env.PLAYER_PORT ?? 5173) },
  { name: "camera", port: Number(process.env.CAMERA_PORT ?? 5174) },
];

for (const { name } of examples) {
  const build = spawnSync("pnpm", ["--filter", `./examples/${name}`, "build"], { stdio: "inherit", cwd: root });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const children = [];
function stop(code) {
  // Each child leads its own process group: signal the group, so wrappers' children stop too.
  for (const child of children) {
    if (child.exitCode !== null) continue;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  process.exit(code);
}
function start(name, args, stdout) {
  const child = spawn("pnpm", args, { stdio: ["ignore", stdout, "inherit"], cwd: root, detached: true });
  child.on("exit", (code) => {
    console.error(`${name} exited (${code}); stopping`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

// The relay prints "moqkit relay listening https://... certificate-sha256=..." and its log.
start("relay", ["relay", "--port", relayPort], "inherit");
for (const { name, port } of examples) {
  start(`${name} page server`, ["--filter", `./examples/${name}`, "preview", "--port", String(port)], "ignore");
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

for (const { name, port } of examples) console.log(`moqkit ${name} page: http://127.0.0.1:${port}/`);
console.log(`The relay's certificate hash: http://127.0.0.1:${relayPort}/certificate.sha256. Ctrl-C stops.`);
