// Smoke tests: the example pages build, load in headless Chromium and do something real.
import { expect, test } from "@playwright/test";
import { PORTS } from "./ports.ts";

test("the player page lists the codecs WebCodecs decodes here", async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PORTS.player}/`);
  await expect(page.locator("body")).toHaveAttribute("data-ready", "true");
  // VP8 and Opus decode in every Chromium; the check goes through the real VideoDecoder/AudioDecoder.
  await expect(page.locator('#decoders li[data-codec="vp8"]')).toHaveAttribute("data-supported", "true");
  await expect(page.locator('#decoders li[data-codec="opus"]')).toHaveAttribute("data-supported", "true");
  // A made-up codec string must come back unsupported, or the check proves nothing.
  const bogus = await page.evaluate(
    async () => (await VideoDecoder.isConfigSupported({ codec: "vp8.bogus" })).supported,
  );
  expect(bogus).toBe(false);
});

test("the camera page shows the fake camera and what it can encode", async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PORTS.camera}/`);
  await page.getByRole("button", { name: "Start camera" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-ready", "true");
  await expect(page.locator("#status")).toContainText("Camera on: 640x480");
  const size = await page.locator("#preview").evaluate((video: HTMLVideoElement) => ({
    width: video.videoWidth,
    height: video.videoHeight,
    playing: !video.paused && video.readyState >= 2,
  }));
  expect(size).toEqual({ width: 640, height: 480, playing: true });
  await expect(page.locator('#encoders li[data-codec="vp8"]')).toHaveAttribute("data-supported", "true");
  await expect(page.locator('#encoders li[data-codec="opus"]')).toHaveAttribute("data-supported", "true");
});
