// moqkit's camera publisher in headless Chromium with the fake camera and microphone, through the
// real relay: moqkit's own session reads and decodes what it sends (WebCodecs in a second page), and
// moq-dev's <moq-watch> 0.4.6 plays it. Each capturing or playing page has its own browser context.
import { type Browser, chromium, expect, type Page, test } from "@playwright/test";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.ts";
import { openFixturePage } from "./fixture-page.ts";
import type { CameraPage } from "./fixtures/camera/main.ts";
import { uniqueName } from "./interop-page.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

declare const camera: CameraPage;

test.describe.configure({ timeout: 60_000 });

let relay: RelayProcess;
test.beforeEach(async () => {
  relay = await startRelay();
});
test.afterEach(async () => {
  await relay?.stop();
});

const openPage = (browser: Browser): Promise<Page> => openFixturePage(browser, "camera");

/** A page publishing the fake camera and microphone as `name`, live once its catalog is written. */
async function startPublishing(browser: Browser, name: string, extra: object = {}): Promise<Page> {
  const page = await openPage(browser);
  const started = await page.evaluate(
    ([relayUrl, broadcast, options]) => camera.publish({ relay: relayUrl, name: broadcast, ...(options as object) }),
    [`http://127.0.0.1:${relay.port}/`, name, extra] as const,
  );
  expect(started.catalog).toBeDefined();
  return page;
}

const NAL = { NON_IDR: 1, IDR: 5, SPS: 7, PPS: 8 } as const;

test("the camera's broadcast: catalog, gap-free groups that start with a key frame, decoded by WebCodecs", async ({
  browser,
}) => {
  const name = `e2e/${uniqueName("camera")}`;
  const publisher = await startPublishing(browser, name);
  const reader = await openPage(browser);
  const result = await reader.evaluate(([target, broadcast]) => camera.read(target, broadcast), [
    { url: relay.url, hash: relay.certificateSha256 },
    name,
  ] as const);
  const catalog = JSON.parse(result.catalogText);
  const hd = catalog.video.renditions["video/hd"];
  expect(hd.container).toEqual({ kind: "legacy" });
  expect(hd.codedWidth).toBeGreaterThan(0);
  expect(result.video.frames.length).toBeGreaterThan(1);
  // Object IDs 0, 1, 2, … without gaps; the first frame is the key frame, and only the first.
  expect(result.video.frames.map((frame) => frame.index)).toEqual(result.video.frames.map((_, i) => i));
  if (String(hd.codec).startsWith("avc1")) {
    expect(result.video.frames[0]?.nalTypes).toEqual(expect.arrayContaining([NAL.SPS, NAL.PPS, NAL.IDR]));
    for (const frame of result.video.frames.slice(1)) expect(frame.nalTypes).not.toContain(NAL.IDR);
  }
  // Every frame of the group decoded, shown at the catalog's size.
  expect(result.video.decodeErrors).toEqual([]);
  expect(result.video.decoded).toBe(result.video.frames.length);
  expect(result.video.size).toEqual([hd.codedWidth, hd.codedHeight]);
  expect(result.laterGroup).toBeGreaterThan(result.video.group);
  // Audio: Opus frames that decode.
  expect(result.audio).toBeDefined();
  expect(result.audio?.frames).toBeGreaterThan(0);
  expect(result.audio?.decodeErrors).toEqual([]);
  expect(result.audio?.decoded).toBeGreaterThan(0);
  const stats = await publisher.evaluate(() => camera.stats());
  expect(stats?.framesEncoded).toBeGreaterThan(0);
  expect(await publisher.evaluate(() => camera.stop())).toBe("stopped");
  expect(await publisher.evaluate(() => camera.errors)).toEqual([]);
});

test("@moq/watch 0.4.6 plays the camera's broadcast through the relay", async ({ browser }) => {
  const name = `e2e/${uniqueName("watched")}`;
  await startPublishing(browser, name);
  const watcher = await openPage(browser);
  const said: string[] = [];
  watcher.on("console", (message) => said.push(`${message.type()}: ${message.text()}`));
  const result = await watcher.evaluate(([url, broadcast]) => camera.watch(url, broadcast, 5), [
    `http://127.0.0.1:${relay.port}/`,
    name,
  ] as const);
  console.log(JSON.stringify({ moqWatch: result, console: said.slice(-20) }));
  // Pictures that change over time (the fake camera's frames move), not a blank canvas.
  expect(result.width).toBeGreaterThan(0);
  expect(result.distinct).toBeGreaterThanOrEqual(5);
});

test("permission denied (no fake-UI flag) gives the typed error", async () => {
  // Chromium without --use-fake-ui-for-media-stream: nobody answers the permission prompt.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, "--use-fake-device-for-media-stream"],
    headless: true,
  });
  try {
    const page = await openPage(browser);
    const error = await page.evaluate(async (relayUrl) => {
      try {
        await camera.publish({ relay: relayUrl, name: "e2e/denied" });
        return "started";
      } catch (error) {
        return `${(error as { name?: string }).name}:${(error as { code?: string }).code}`;
      }
    }, `http://127.0.0.1:${relay.port}/`);
    expect(error).toBe("PublisherError:permission-denied");
  } finally {
    await browser.close();
  }
});

test("the relay killed and started again: publishing resumes within 2 s, counted on the wire", async ({ browser }) => {
  const name = `e2e/${uniqueName("restart")}`;
  const publisher = await startPublishing(browser, name);
  const port = relay.port;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const before = await publisher.evaluate(() => camera.stats());
  await relay.kill();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  relay = await startRelay(["--port", String(port)]);
  const backAt = Date.now();
  const deadline = Date.now() + 8_000;
  let states = await publisher.evaluate(() => camera.states);
  while (!states.some((s) => s.state === "live" && s.at > backAt) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    states = await publisher.evaluate(() => camera.states);
  }
  const live = states.find((s) => s.state === "live" && s.at > backAt);
  console.log(JSON.stringify({ publisherStates: states.map((s) => `${s.state}@${s.at - backAt}ms`), before }));
  expect(states.some((s) => s.state === "reconnecting")).toBe(true);
  expect(live).toBeDefined();
  expect((live?.at ?? 0) - backAt).toBeLessThanOrEqual(2_000);
  // A viewer through the new relay gets groups newer than those sent before the kill.
  const reader = await openPage(browser);
  const result = await reader.evaluate(([target, broadcast]) => camera.read(target, broadcast), [
    { url: relay.url, hash: relay.certificateSha256 },
    name,
  ] as const);
  expect(result.video.decoded).toBe(result.video.frames.length);
  // Stats come once a second, and a segment is judged sent at the end of its 2 s time to live.
  let after = await publisher.evaluate(() => camera.stats());
  for (let tries = 0; tries < 50 && (after?.segmentsSent ?? 0) === 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await publisher.evaluate(() => camera.stats());
  }
  // Nothing was on the wire before a viewer asked (the relay subscribes upstream for its first
  // viewer); what went out since is counted from the session's writes, with capture → wire latency.
  expect(before?.segmentsSent).toBe(0);
  expect(after?.segmentsSent).toBeGreaterThan(0);
  expect(after?.bytesSent).toBeGreaterThan(0);
  expect(after?.captureToWireMs.p95).toBeGreaterThan(0);
  expect(after?.captureToWireMs.p95).toBeLessThan(1_000);
});

test("on an uplink slower than the bitrate, what cannot go in time expires in the publisher, counted; the newest still arrives, never late", async ({
  browser,
}) => {
  const name = `e2e/${uniqueName("slow")}`;
  // About 645 kbit/s of H.264 (no audio: every count below is video) through a 250 kbit/s uplink;
  // segments (one per second, from a key frame) live 1 s.
  const publisher = await startPublishing(browser, name, { sendRateKbps: 250, ttlMs: 1_000, audio: false });
  const viewer = await openPage(browser);
  const got = await viewer.evaluate(([target, broadcast]) => camera.arrivals(target, broadcast, 5), [
    { url: relay.url, hash: relay.certificateSha256 },
    name,
  ] as const);
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const stats = await publisher.evaluate(() => camera.stats());
  console.log(JSON.stringify({ slowUplink: got, stats }));
  // No whole second of video fits through the uplink in its time to live: each segment's start goes
  // out, the rest expires in the worker and is counted.
  expect(stats?.segmentsExpired).toBeGreaterThanOrEqual(3);
  expect(stats?.bytesSent).toBeGreaterThan(0);
  expect(stats?.bytesSent).toBeLessThan((250_000 / 8) * 8);
  // The viewer kept getting new groups up to the end, and nothing older than its time to live.
  expect(got.groups.length).toBeGreaterThanOrEqual(3);
  expect(got.lastArrivalBeforeEndMs).toBeLessThan(1_500);
  expect(got.latencyMax).toBeLessThan(1_000 + 500);
});

test("stop() ends the tracks cleanly: a viewer's subscription ends without an error", async ({ browser }) => {
  const name = `e2e/${uniqueName("stopped")}`;
  const publisher = await startPublishing(browser, name);
  const viewer = await openPage(browser);
  await viewer.evaluate(
    ([target, broadcast]) => {
      (window as unknown as { followed: unknown }).followed = camera.follow(target, broadcast);
    },
    [{ url: relay.url, hash: relay.certificateSha256 }, name] as const,
  );
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  expect(await publisher.evaluate(() => camera.stop())).toBe("stopped");
  const followed = await viewer.evaluate(
    () => (window as unknown as { followed: Promise<{ groups: number; end: string }> }).followed,
  );
  expect(followed.groups).toBeGreaterThanOrEqual(1);
  expect(followed.end).toBe("ended cleanly");
});
