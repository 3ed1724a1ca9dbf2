// The e2e fixture pages on a free port, for a benchmark run (the Playwright suite has its own dev
// server, started by playwright.config.ts).
//
// By default the pages a benchmark opens are built by Vite for production and served as files, the way
// a user ships them: the SDK's worker is one bundled script, as @moq/watch and @moq/publish are (Vite's
// dev server pre-bundles dependencies but serves a workspace package module by module, so a new Worker
// there fetches and links ~80 modules before it runs: ~300 ms of a cold start that no deployed page pays).
// FIXTURES=dev serves them from source through the dev server instead.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, createServer, preview } from "vite";

const CONFIG = "e2e/fixtures/vite.config.ts";

/** The fixture pages a benchmark opens: built into the production bundle. */
const BENCH_PAGES = {
  "player-bench": "e2e/fixtures/player-bench/index.html",
  "e2e-bench": "e2e/fixtures/e2e-bench/index.html",
  "e2e-plot": "e2e/fixtures/e2e-bench/plot.html",
  "bench-publisher": "e2e/fixtures/bench-publisher/index.html",
  worker: "e2e/fixtures/worker/index.html",
};

export interface FixtureServer {
  base: string;
  /** "build": the production bundle; "dev": Vite's dev server, from source. */
  mode: "build" | "dev";
  close(): Promise<void>;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  return process.env.FIXTURES === "dev" ? startDevServer() : startBuiltServer();
}

async function startDevServer(): Promise<FixtureServer> {
  const vite = await createServer({ configFile: CONFIG, server: { port: 0 }, logLevel: "error" });
  await vite.listen();
  return { base: baseOf(vite.httpServer?.address()), mode: "dev", close: () => vite.close() };
}

async function startBuiltServer(): Promise<FixtureServer> {
  const outDir = await mkdtemp(join(tmpdir(), "moqkit-bench-fixtures-"));
  try {
    await build({
      configFile: CONFIG,
      logLevel: "error",
      build: { outDir, emptyOutDir: true, rollupOptions: { input: BENCH_PAGES } },
    });
    const server = await preview({ configFile: CONFIG, logLevel: "error", build: { outDir }, preview: { port: 0 } });
    return {
      base: baseOf(server.httpServer.address()),
      mode: "build",
      close: async () => {
        await server.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}

function baseOf(address: ReturnType<import("node:net").Server["address"]> | undefined): string {
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return `http://127.0.0.1:${port}`;
}
