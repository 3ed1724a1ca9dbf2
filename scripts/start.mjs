#!/usr/bin/env node
// The main job: builds the example pages and serves them, ready to open, until Ctrl-C.
// (The local relay joins here when it exists.)
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const examples = [
  { name: "player", port: Number(process.env.PLAYER_PORT ?? 5173) },
  { name: "camera", port: Number(process.env.CAMERA_PORT ?? 5174) },
];

for (const { name } of examples) {
  const build = spawnSync("pnpm", ["--filter", `./examples/${name}`, "build"], { stdio: "inherit", cwd: root });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const children = examples.map(({ name, port }) => {
  const child = spawn("pnpm", ["--filter", `./examples/${name}`, "preview", "--port", String(port)], {
    stdio: ["ignore", "ignore", "inherit"],
    cwd: root,
  });
  child.on("exit", (code) => {
    console.error(`${name} server exited (${code}); stopping`);
    stop(code ?? 1);
  });
  return child;
});

function stop(code) {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

for (const { name, port } of examples) console.log(`moqkit ${name} page: http://127.0.0.1:${port}/`);
console.log("Ctrl-C stops.");
