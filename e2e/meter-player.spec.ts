// The pixel meter (e2e/meter/pixel-code.ts) against the Player's own latency stat, on the same pictures.
// The player-bench fixture page (as bench/player.ts drives it): a source page draws the meter's code
// (the wall-clock time) on a 640x480 canvas, captures it with captureStream(30) and publishes it with
// moqkit's Publisher through the real relay; a second page plays it with moqkit's Player. Over one
// bounded window on the player page, the meter reads the Player's canvas at every animation frame
// (each picture counted once, when its code first becomes readable) while the Player's
// stats.latencyMs.last (glass to glass: timeOrigin + now at paint minus the publisher's wall-clock
// capture timestamp) is sampled every 100 ms. Their medians must agree within one frame at 30 fps.
// Each page has its own browser context (a page in the background drops to ~1 fps here).
import { type Browser, expect, type Page, test } from "@playwright/test";
import { FIXTURES_URL } from "./fixture-page.ts";
import type { BenchPage } from "./fixtures/player-bench/main.ts";
import { median } from "./meter/pixel-code.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

declare const bench: BenchPage;

/** One frame at 30 fps (ms): the bound on |meter median - player median|. */
const FRAME_MS = 1000 / 30;
/** Playing before the window opens (ms): the jitter buffer settles, the first key frame is behind. */
const WARMUP_MS = 3000;
/** The window (ms) over which both are collected. */
const WINDOW_MS = 9000;
/** How often the Player's stat is read (ms); its "stats" event fires only every 500 ms. */
const POLL_MS = 100;
/** Enough to judge a median: about half of the window's 270 pictures, and of its 90 polls. */
const MIN_METER_SAMPLES = 120;
const MIN_PLAYER_SAMPLES = 45;

test.describe.configure({ timeout: 90_000 });

const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * The player-bench page in a browser context of its own, as openBenchPage (bench/browser-bench.ts)
 * opens it: Vite's live-reload socket is answered here and goes nowhere, so an edit to the SDK while
 * the test runs cannot reload a page halfway; any reload that happens anyway is noted in `reloads`.
 */
async function openPage(browser: Browser, reloads: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1024 } });
  await context.routeWebSocket(/./, () => {});
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${FIXTURES_URL}/player-bench/`);
  await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 20_000 });
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) reloads.push(frame.url());
  });
  return page;
}

let relay: RelayProcess | undefined;
test.afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

test("the meter's glass-to-glass median agrees with the Player's latencyMs within one frame", async ({
  browser,
}, testInfo) => {
  relay = await startRelay(["--quiet"]);
  const relayUrl = `http://127.0.0.1:${relay.port}/`;
  const name = `e2e/meter-player-${Date.now().toString(36)}`;
  const reloads: string[] = [];
  const sourcePage = await openPage(browser, reloads);
  const playerPage = await openPage(browser, reloads);
  try {
    await sourcePage.evaluate(() => bench.startSource());
    const published = await sourcePage.evaluate(([url, n]) => bench.publish(url, n), [relayUrl, name] as const);
    expect(published.catalog, `the publisher wrote no catalog (state ${published.state})`).toBeDefined();
    const started = await playerPage.evaluate(([url, n]) => bench.startPlayer(url, n, undefined, 15_000, false), [
      relayUrl,
      name,
    ] as const);
    expect(started.state).toBe("playing");
    await playerPage.waitForTimeout(WARMUP_MS);

    // Each page's Date.now() against its timeOrigin + now, before and after the window: a step of the
    // system clock shows as a change here (a diagnosis for the summary, not a condition).
    const clockSkew = () =>
      Promise.all(
        [sourcePage, playerPage].map((page) =>
          page.evaluate(() => Math.round((Date.now() - (performance.timeOrigin + performance.now())) * 10) / 10),
        ),
      );
    const skewBefore = await clockSkew();
    // Both in one evaluate on the player page, so they cover the same pictures over the same span.
    const window = await playerPage.evaluate(
      async ([windowMs, pollMs]) => {
        bench.meterStart("player");
        const player: number[] = [];
        let polls = 0;
        let notPlaying = 0;
        let previous = Number.NaN;
        const end = performance.now() + windowMs;
        // Bounded in time and in count (a stalled timer cannot make it spin).
        while (performance.now() < end && polls < Math.ceil(windowMs / pollMs) + 10) {
          await new Promise((resolve) => setTimeout(resolve, pollMs));
          polls++;
          const now = bench.playerState();
          if (now?.state !== "playing") {
            notPlaying++;
            continue;
          }
          const last = now.stats.latencyMs.last;
          // The same value again is the same picture still shown: each painted picture counts once.
          if (Number.isFinite(last) && last !== previous) player.push(last);
          previous = last;
        }
        const meter = bench.meterStop();
        return { meter, player, polls, notPlaying, errors: [...bench.errors] };
      },
      [WINDOW_MS, POLL_MS] as const,
    );

    const skewAfter = await clockSkew();
    // A window's first read is left out (it may be a picture that was shown before the window opened).
    const meterSamples = window.meter.samples.slice(1);
    const meterMedian = median(meterSamples);
    const playerMedian = median(window.player);
    const difference = meterMedian - playerMedian;
    const summary = `meter median ${round1(meterMedian)} ms (n=${meterSamples.length}, ${window.meter.readable}/${window.meter.frames} frames readable), player latencyMs median ${round1(playerMedian)} ms (n=${window.player.length}, ${window.polls} polls, ${window.notPlaying} not playing), meter - player ${round1(difference)} ms (bound +/-${round1(FRAME_MS)} ms); Date.now() - (timeOrigin + now) on the source and player pages ${skewBefore.join(", ")} ms before, ${skewAfter.join(", ")} ms after`;
    console.log(summary);
    testInfo.annotations.push(
      { type: "meter median (ms)", description: String(round1(meterMedian)) },
      { type: "player latencyMs median (ms)", description: String(round1(playerMedian)) },
      { type: "meter - player (ms)", description: String(round1(difference)) },
    );

    expect(reloads, "a page was reloaded during the test").toEqual([]);
    expect(window.errors).toEqual([]);
    expect(window.notPlaying).toBe(0);
    expect(meterSamples.length).toBeGreaterThanOrEqual(MIN_METER_SAMPLES);
    expect(window.player.length).toBeGreaterThanOrEqual(MIN_PLAYER_SAMPLES);
    for (const sample of [...meterSamples, ...window.player]) expect(sample).toBeGreaterThan(0);
    // Expected direction: meter >= player, by less than a frame. The meter's latency runs from the
    // moment the source page drew the code to the first animation frame at which the Player's canvas
    // shows it. The Player's runs from the publisher's capture timestamp to its drawImage(). The meter
    // therefore also counts (a) the canvas draw -> captureStream frame hop: the source draws at every
    // animation frame (60 Hz) and the capture samples it at 30 fps, and the publisher's wall-clock
    // timestamp is the capture time plus the smallest capture -> worker delay it saw (publisher/clock.ts),
    // never earlier than the capture; and (b) the paint -> next animation frame wait (0-16.7 ms at
    // 60 Hz), as the meter reads only at animation frames while the Player paints when a picture is due.
    // Nothing is in the Player's figure that the meter does not see, so a player median above the
    // meter's is an error in one of them; the bound is one frame either way all the same.
    expect(Math.abs(difference), summary).toBeLessThanOrEqual(FRAME_MS);
  } finally {
    for (const page of [playerPage, sourcePage]) {
      await page
        .evaluate(() => bench.close())
        .catch(() => {})
        .finally(() => page.context().close());
    }
  }
});
