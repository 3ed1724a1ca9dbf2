import { defineConfig } from "@playwright/test";
import { CHROMIUM, CHROMIUM_ARGS, MEDIA_ARGS } from "./e2e/chromium.ts";
import { PORTS } from "./e2e/ports.ts";

/** Specs that measure timing to within a frame, run after the rest (see projects). */
const QUIET_TESTS = "**/meter-player.spec.ts";

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  // The meter-against-Player check compares two clocks to within one frame: it runs alone, once every
  // other test is done, so that no other page's load shifts one of them (it failed once by 1.6 ms
  // beyond its bound while running beside the other tests). Moving the audio playback tests there too
  // made other tests fail in 2 runs of 2 (the heavy ones then overlapped more), so they stay.
  projects: [
    { name: "parallel", testIgnore: QUIET_TESTS },
    { name: "alone", testMatch: QUIET_TESTS, dependencies: ["parallel"], workers: 1 },
  ],
  use: {
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, ...MEDIA_ARGS],
    },
  },
  webServer: [
    {
      command: `pnpm --filter ./examples/player build && pnpm --filter ./examples/player preview --port ${PORTS.player}`,
      url: `http://127.0.0.1:${PORTS.player}/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `pnpm --filter ./examples/camera build && pnpm --filter ./examples/camera preview --port ${PORTS.camera}`,
      url: `http://127.0.0.1:${PORTS.camera}/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `pnpm exec vite --config e2e/fixtures/vite.config.ts --port ${PORTS.fixtures}`,
      url: `http://127.0.0.1:${PORTS.fixtures}/cache-worker/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
