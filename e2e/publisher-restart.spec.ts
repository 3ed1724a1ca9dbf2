// moq-dev's @moq/publish 0.2.17 stopped and started again under the same broadcast name, through the
// real relay process, with moqkit's Player watching. A new @moq/publish numbers its groups from 0
// again (catalog.json group 0, video/hd group 0, ...): the player's worker must take the new run's
// groups as the newest instead of refusing them as duplicates of, or older than, the previous run's.
// Checked: the player comes back with video (the rendition has video, the canvas pictures change
// again) within a few seconds of the new publisher. Each page has a browser context of its own
// (a page in the background drops to ~1 fps here).
import { type Browser, expect, type Page, test } from "@playwright/test";
import { PLAYBACK_LAUNCH_OPTIONS } from "./chromium.ts";
import { closeContexts, openFixturePage } from "./fixture-page.ts";
import type { PlayerPage } from "./fixtures/player/main.ts";
import { uniqueName } from "./interop-page.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

declare const player: PlayerPage;

test.use({ launchOptions: PLAYBACK_LAUNCH_OPTIONS });
test.describe.configure({ timeout: 60_000 });

/** A frozen canvas shows 0-1 distinct pictures over 2 s; a playing one 12 or more even under load (player.spec.ts). */
const MIN_PICTURES_2S = 12;
/**
 * How soon after the new publisher is connected its pictures must be on the canvas: 0.2-0.25 s here.
 * A worker that refuses the new run's groups as duplicates or old shows nothing until the new run's
 * numbers pass the old run's newest group (one group per 2 s): as long as the old run lasted.
 */
const BACK_WITHIN_MS = 3_000;
/** The first run lasts this long, so its newest group number is well past what 3 s of a new run reaches. */
const FIRST_RUN_MS = 10_000;

let relay: RelayProcess;
const pages: Page[] = [];
const said: string[] = [];

test.beforeEach(async () => {
  relay = await startRelay();
});
// biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture argument
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    console.log(`--- pages said (last 40)\n${said.slice(-40).join("\n")}`);
    console.log(`--- relay (last 20)\n${relay.lines.slice(-20).join("\n")}`);
  }
  said.length = 0;
  await closeContexts(pages.splice(0));
  await relay?.stop();
});

/** The player fixture in a browser context of its own. */
async function open(browser: Browser, label: string): Promise<Page> {
  const page = await openFixturePage(browser, "player");
  pages.push(page);
  page.on("console", (message) => said.push(`${label} ${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => said.push(`${label} pageerror: ${error.message}`));
  // The fixture server reloads a page when a source file changes under it: say so, it explains a failure.
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) said.push(`${label} RELOADED (a source file changed under the dev server?)`);
  });
  return page;
}

const stateOf = (page: Page) => page.evaluate(() => player.state());
const statsOf = (page: Page) => page.evaluate(() => player.stats());
const historyOf = (page: Page) => page.evaluate(() => player.states.map((record) => record.state));

async function moqPublish(page: Page, name: string): Promise<void> {
  await page.evaluate(([target, broadcast]) => player.moqPublish(target, broadcast), [
    { url: relay.url, hash: relay.certificateSha256 },
    name,
  ] as const);
}

test("@moq/publish stopped and started again (groups from 0 again): the moqkit player comes back with video", async ({
  browser,
}) => {
  const name = `${uniqueName("republish")}.hang`;
  const publisher = await open(browser, "publisher");
  await moqPublish(publisher, name);
  const firstRunAt = Date.now();
  const viewer = await open(browser, "viewer");
  await viewer.evaluate(([url, broadcast]) => player.start({ relay: url, name: broadcast }), [
    `http://127.0.0.1:${relay.port}/`,
    name,
  ] as const);
  await expect.poll(() => stateOf(viewer), { timeout: 15_000 }).toBe("playing");
  expect((await statsOf(viewer)).rendition.video).toBeDefined();
  expect((await viewer.evaluate(() => player.canvasChanges(2_000))).distinct).toBeGreaterThanOrEqual(MIN_PICTURES_2S);

  await viewer.waitForTimeout(Math.max(0, firstRunAt + FIRST_RUN_MS - Date.now()));

  // The publisher leaves (its session closes: the relay ends the viewer's subscriptions) ...
  await publisher.evaluate(() => player.moqStop());
  await expect.poll(() => stateOf(viewer), { timeout: 10_000 }).toBe("ended");
  // ... long enough for the old run's groups to be the newest the viewer's worker holds, then a new
  // @moq/publish (a new connection and broadcast, numbering from 0) publishes the same name.
  await viewer.waitForTimeout(1_000);
  await moqPublish(publisher, name);
  const backAt = Date.now();

  await expect
    .poll(async () => (await viewer.evaluate((since) => player.pictures(since), backAt)).length, {
      timeout: BACK_WITHIN_MS,
      message: "pictures of the new publisher on the canvas",
    })
    .toBeGreaterThan(0);
  const firstMs = ((await viewer.evaluate((since) => player.pictures(since), backAt))[0] ?? Number.NaN) - backAt;
  await expect.poll(() => stateOf(viewer), { timeout: 5_000 }).toBe("playing");
  const shown = await viewer.evaluate(() => player.canvasChanges(2_000));
  const stats = await statsOf(viewer);
  console.log(
    JSON.stringify({
      publisherRestart: { firstPictureMs: firstMs, distinctIn2s: shown.distinct, history: await historyOf(viewer) },
    }),
  );
  expect(stats.rendition.video).toBeDefined();
  expect(shown.distinct).toBeGreaterThanOrEqual(MIN_PICTURES_2S);
  expect(await viewer.evaluate(() => player.errors)).toEqual([]);
  await publisher.evaluate(() => player.moqStop());
});
