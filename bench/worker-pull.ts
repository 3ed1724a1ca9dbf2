// The worker pull's added latency per chunk: from the player worker reading a chunk out of its cache
// to the page having it (postMessage, transferred), measured in headless Chromium with a publisher
// page -> relay -> viewer page, and beside it, alternating in the same run, the floor of any worker
// hop: a bare worker posting transferred buffers of the same size at the same rate.
// Prints one JSON line. Run: pnpm bench:worker-pull (ROUNDS=3 SECONDS=10 RATE=100 SIZE=4096)
import { chromium, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../e2e/chromium.ts";
import { openFixturePage } from "../e2e/fixture-page.ts";
import type { WorkerPage } from "../e2e/fixtures/worker/main.ts";
import { startRelay } from "../e2e/relay.ts";
import { startFixtureServer } from "./fixture-server.ts";

declare const workerPage: WorkerPage;

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 10);
const RATE = Number(process.env.RATE ?? 100);
const SIZE = Number(process.env.SIZE ?? 4096);

type Latency = { count: number; p50: number; p95: number; max: number };

async function pullRound(publisher: Page, viewer: Page, round: number): Promise<Latency> {
  const namespace = ["bench", `pull-${Date.now()}-${round}`];
  const trackId = await publisher.evaluate((ns) => workerPage.publish(ns, "data"), namespace);
  const viewerTrack = await viewer.evaluate((ns) => workerPage.subscribe(ns, "data"), namespace);
  await viewer.evaluate(() => workerPage.resetLatency());
  const pullId = await viewer.evaluate((id) => workerPage.pull([id]), viewerTrack);
  await publisher.evaluate(([id, interval, size]) => workerPage.startWriting(id, 0, interval, size, 1_000), [
    trackId,
    1000 / RATE,
    SIZE,
  ] as const);
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  await publisher.evaluate(() => workerPage.stopWriting());
  await new Promise((resolve) => setTimeout(resolve, 300));
  const latency = await viewer.evaluate(() => workerPage.latency());
  await viewer.evaluate((id) => workerPage.stopPull(id), pullId);
  return latency;
}

async function main(): Promise<void> {
  const relay = await startRelay(["--quiet"]);
  const fixtures = await startFixtureServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true });
  try {
    const publisher = await openFixturePage(browser, "worker", { base: fixtures.base });
    const viewer = await openFixturePage(browser, "worker", { base: fixtures.base });
    const relayUrl = `http://127.0.0.1:${relay.port}/`;
    await publisher.evaluate((url) => workerPage.connect(url), relayUrl);
    await viewer.evaluate((url) => workerPage.connect(url), relayUrl);
    const pull: Latency[] = [];
    const bare: Latency[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      pull.push(await pullRound(publisher, viewer, round));
      bare.push(
        await viewer.evaluate(([count, interval, size]) => workerPage.bareWorkerLatency(count, interval, size), [
          Math.min(4096, SECONDS * RATE),
          1000 / RATE,
          SIZE,
        ] as const),
      );
    }
    const stats = await viewer.evaluate(() => workerPage.stats());
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    const round2 = (value: number) => Math.round(value * 1000) / 1000;
    const summary = {
      benchmark: "worker-pull",
      chunk: { bytes: SIZE, perSecond: RATE, seconds: SECONDS, rounds: ROUNDS },
      pullAddedLatencyMs: {
        p50: round2(median(pull.map((l) => l.p50))),
        p95: round2(median(pull.map((l) => l.p95))),
        p95Spread: [round2(Math.min(...pull.map((l) => l.p95))), round2(Math.max(...pull.map((l) => l.p95)))],
        max: round2(Math.max(...pull.map((l) => l.max))),
        samples: pull.reduce((sum, l) => sum + l.count, 0),
      },
      bareWorkerHopMs: {
        p50: round2(median(bare.map((l) => l.p50))),
        p95: round2(median(bare.map((l) => l.p95))),
        p95Spread: [round2(Math.min(...bare.map((l) => l.p95))), round2(Math.max(...bare.map((l) => l.p95)))],
      },
      ratioP95: round2(median(pull.map((l) => l.p95)) / median(bare.map((l) => l.p95))),
      goalP95Ms: 1,
      chunksTransferred: stats.transferredChunks,
      chunksCopied: stats.copiedChunks,
    };
    console.log(JSON.stringify(summary));
  } finally {
    await browser.close();
    await fixtures.close();
    await relay.stop();
  }
}

await main();
