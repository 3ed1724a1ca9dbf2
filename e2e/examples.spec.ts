// Smoke tests: the example pages build, load in headless Chromium and do something real.
import { expect, test } from "@playwright/test";
import { CAMERA_PAGE, freePort, PLAYER_PAGE, playerCanvas } from "./example-pages.ts";
import { openFixturePage } from "./fixture-page.ts";
import type { CameraPage } from "./fixtures/camera/main.ts";
import { uniqueName } from "./interop-page.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

test("the player page offers its controls, the broadcast fields and a canvas a script can reach", async ({ page }) => {
  await page.goto(PLAYER_PAGE);
  await expect(page.locator("body")).toHaveAttribute("data-ready", "true");
  await expect(page.locator("body")).toHaveAttribute("data-state", "idle");
  await expect(page.getByRole("button", { name: "Play" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Mute" })).toHaveAttribute("aria-pressed", "false");
  await expect(page.getByRole("slider", { name: "Volume" })).toHaveValue("100");
  await expect(page.getByRole("spinbutton", { name: "Latency" })).toHaveAttribute("placeholder", /^\d+$/);
  await expect(page.getByRole("button", { name: "Watch" })).toBeEnabled();
  // Defaults: the local relay; no name (the camera page names its broadcasts at random), so the page
  // says how to get one instead of playing nothing.
  await expect(page.getByLabel("Relay")).toHaveValue("http://127.0.0.1:4443/");
  await expect(page.getByLabel("Name")).toHaveValue("");
  await expect(page.locator("#state")).toContainText("enter the broadcast name");
  await expect(page.locator("#camera-link")).toHaveAttribute("href", /^http:\/\/127\.0\.0\.1:5174\/\?relay=/);
  // The picture: the <canvas> in <moq-player>'s open shadow root, as wide as the element.
  const canvas = await playerCanvas(page);
  expect(canvas).toMatchObject({ same: true, testid: "moq-player-canvas" });
  expect(canvas?.width).toBeGreaterThan(100);
  expect(canvas?.width).toBeCloseTo(canvas?.elementWidth ?? 0, 0);
  expect(canvas?.ratio).toBeCloseTo(16 / 9, 1);
  // The element's overlay says why nothing plays.
  await expect(page.locator("moq-player").getByText("No broadcast chosen")).toBeVisible();
  // Pressing Play without a name asks for one (the form's own check) and starts nothing.
  await page.getByRole("button", { name: "Play" }).click();
  await expect(page.getByLabel("Name")).toBeFocused();
  await expect(page.locator("body")).toHaveAttribute("data-state", "idle");
  // What WebCodecs decodes here, through the real VideoDecoder/AudioDecoder; a made-up codec string
  // must come back unsupported, or the check proves nothing.
  await expect(page.locator('#decoders li[data-codec="vp8"]')).toHaveAttribute("data-supported", "true");
  await expect(page.locator('#decoders li[data-codec="opus"]')).toHaveAttribute("data-supported", "true");
  const bogus = await page.evaluate(
    async () => (await VideoDecoder.isConfigSupported({ codec: "vp8.bogus" })).supported,
  );
  expect(bogus).toBe(false);
});

test("the player page takes its broadcast from the address and says when the relay does not answer", async ({
  page,
}) => {
  // A port nothing listens on: the player cannot fetch the relay's certificate hash, nor connect.
  const port = await freePort();
  const relay = `http://127.0.0.1:${port}/`;
  await page.goto(`${PLAYER_PAGE}?relay=${relay}&name=e2e/nobody&latency=250&autoplay=1`);
  await expect(page.getByLabel("Relay")).toHaveValue(relay);
  await expect(page.getByLabel("Name")).toHaveValue("e2e/nobody");
  await expect(page.getByRole("spinbutton", { name: "Latency" })).toHaveValue("250");
  const player = page.locator("moq-player");
  await expect(player).toHaveAttribute("latency", "250");
  await expect(page.locator("body")).toHaveAttribute("data-state", "failed", { timeout: 20_000 });
  // In words, on the page and over the picture, with what to do about it.
  await expect(page.getByRole("alert")).toContainText(`The relay at ${relay} does not answer`);
  await expect(page.getByRole("alert")).toContainText("Is it running");
  await expect(player.getByText(`Cannot reach the relay at ${relay}`)).toBeVisible();
  await expect(player.getByText("Click to try again")).toBeVisible();
  await expect(page.getByRole("button", { name: "Play" })).toBeEnabled();
  const error = await player.evaluate((element) => {
    const failed = (element as HTMLElement & { error?: { code: string } }).error;
    return failed?.code;
  });
  expect(error).toBe("relay-unreachable");
});

test("the camera page offers its controls, a broadcast name and the link to watch it", async ({ page }) => {
  await page.goto(CAMERA_PAGE);
  await expect(page.locator("body")).toHaveAttribute("data-ready", "true");
  await expect(page.locator("body")).toHaveAttribute("data-state", "idle");
  await expect(page.getByRole("button", { name: "Start publishing" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Stop" })).toBeDisabled();
  await expect(page.getByRole("status")).toContainText("Not publishing");
  // Defaults: the local relay and a fresh random name, written into the address and the watch link.
  await expect(page.getByLabel("Relay")).toHaveValue("http://127.0.0.1:4443/");
  const name = await page.getByLabel("Name").inputValue();
  expect(name).toMatch(/^moqkit\/camera-[a-z0-9]{6}$/);
  const watch = new URL(await page.locator("#watch").getAttribute("href").then(String));
  expect(watch.origin).toBe("http://127.0.0.1:5173");
  expect(Object.fromEntries(watch.searchParams)).toEqual({ relay: "http://127.0.0.1:4443/", name });
  expect(new URL(page.url()).searchParams.get("name")).toBe(name);
  // Editing the name updates the link.
  await page.getByLabel("Name").fill("moqkit/renamed");
  await page.getByLabel("Name").blur();
  await expect(page.locator("#watch")).toHaveAttribute("href", /name=moqkit\/renamed$/);
  // What WebCodecs encodes here, through the real VideoEncoder/AudioEncoder.
  await expect(page.locator('#encoders li[data-codec="vp8"]')).toHaveAttribute("data-supported", "true");
  await expect(page.locator('#encoders li[data-codec="opus"]')).toHaveAttribute("data-supported", "true");
});

test.describe("the camera page with the relay", () => {
  let relay: RelayProcess;
  test.beforeEach(async () => {
    relay = await startRelay();
  });
  test.afterEach(async () => {
    await relay?.stop();
  });

  test("publishes the fake camera: live state, preview, stats and plot, then stops", async ({ page, browser }) => {
    const name = `e2e/${uniqueName("camera-page")}`;
    const relayUrl = `http://127.0.0.1:${relay.port}/`;
    await page.goto(`${CAMERA_PAGE}?relay=${relayUrl}&name=${name}&autostart=1`);
    await expect(page.locator("body")).toHaveAttribute("data-state", "live", { timeout: 20_000 });
    await expect(page.locator("#badge")).toHaveText("Live");
    await expect(page.getByLabel("Name")).toHaveValue(name);
    await expect(page.getByLabel("Name")).toBeDisabled();
    const preview = await page.locator("moq-camera").evaluate((camera) => {
      const video = camera.shadowRoot?.querySelector("video");
      return { width: video?.videoWidth, height: video?.videoHeight, muted: video?.muted, playing: !video?.paused };
    });
    expect(preview).toEqual({ width: 640, height: 480, muted: true, playing: true });
    // Nothing goes on the wire until someone watches (the relay subscribes for its first viewer):
    // a viewer in its own browser context reads and decodes a group through the relay.
    const viewer = await openFixturePage(browser, "camera");
    const watched = await viewer.evaluate(
      ([target, broadcast]) => (window as unknown as { camera: CameraPage }).camera.read(target, broadcast),
      [{ url: relay.url, hash: relay.certificateSha256 }, name] as const,
    );
    expect(watched.video.decoded).toBeGreaterThan(0);
    // Stats arrive and count real work: frames encoded, bytes on the wire, a measured bitrate.
    await expect(page.locator("body")).toHaveAttribute("data-stats", "true");
    await expect(page.locator('#stats [data-stat="frames"] dd')).toHaveText(/^[1-9][\d,]* encoded of/);
    await expect(page.locator('#stats [data-stat="bitrate"] dd')).toHaveText(/\d+(\.\d+)? (k|M)bit\/s/);
    await expect(page.locator('#stats [data-stat="video"] dd')).toContainText("640×480");
    const stats = await page
      .locator("moq-camera")
      .evaluate((camera) => (camera as HTMLElement & { stats?: { bytesSent: number } }).stats);
    expect(stats?.bytesSent).toBeGreaterThan(0);
    // The plot has taken samples (what it draws is checked by eye: see the page).
    await expect(page.locator("#plot")).toHaveAttribute("data-samples", /^[1-9]\d*$/);

    await page.getByRole("button", { name: "Stop" }).click();
    await expect(page.locator("body")).toHaveAttribute("data-state", "stopped");
    await expect(page.getByRole("button", { name: "Start publishing" })).toBeEnabled();
    await expect(page.getByLabel("Name")).toBeEnabled();
  });
});
