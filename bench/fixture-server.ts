// The e2e fixture pages served by Vite on a free port, for a benchmark run (the Playwright suite has
// its own server, started by playwright.config.ts).
import { createServer } from "vite";

export async function startFixtureServer(): Promise<{ base: string; close(): Promise<void> }> {
  const vite = await createServer({
    configFile: "e2e/fixtures/vite.config.ts",
    server: { port: 0 },
    logLevel: "error",
  });
  await vite.listen();
  const address = vite.httpServer?.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { base: `http://127.0.0.1:${port}`, close: () => vite.close() };
}
