// moq-dev's publisher, @moq/publish 0.2.17 (on @moq/net 0.1 and @moq/hang 0.2), publishes the fake
// camera to our relay in headless Chromium; moqkit's session subscribes through the relay to its
// catalog.json and one video/hd group, and reads them with moqkit's own catalog and container code
// (fixtures/moq-publish-catalog/main.ts). Checks here: the catalog parses and round-trips through
// encodeCatalog byte for byte; the H.264 rendition's codec and size; the group's frames are legacy-
// container frames (varint timestamp in microseconds, increasing) starting with an IDR access unit
// (SPS, PPS, IDR: @moq/publish writes Annex B with parameter sets on every key frame).

import { encodeCatalog, parseCatalog, videoDecoderConfig } from "@moqkit/sdk/catalog";
import { expect, test } from "@playwright/test";
import type { PublishToMoqkitResult } from "./fixtures/moq-publish-catalog/main.ts";
import { dump, runScenario, uniqueName } from "./interop-page.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

test.describe.configure({ timeout: 45_000 });

let relay: RelayProcess;
test.beforeAll(async () => {
  relay = await startRelay();
});
test.afterAll(async () => {
  await relay?.stop();
});

const NAL = { NON_IDR: 1, IDR: 5, SEI: 6, SPS: 7, PPS: 8, AUD: 9 } as const;

test("@moq/publish's catalog and video frames, read by moqkit through the relay", async ({ browser }) => {
  // A capturing page gets a browser context of its own.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const name = `${uniqueName("publish")}.hang`;
    const console: string[] = [];
    page.on("console", (message) => console.push(`${message.type()}: ${message.text()}`));
    const target = { url: relay.url, hash: relay.certificateSha256 };
    let result: PublishToMoqkitResult;
    try {
      result = (await runScenario(
        page,
        "moq-publish-catalog",
        "publishToMoqkit",
        target,
        name,
      )) as PublishToMoqkitResult;
    } catch (error) {
      // What the relay and the page said, to see which side refused.
      const tail = (lines: string[]) => lines.slice(-40).join("\n");
      throw new Error(`${String(error)}\n--- relay\n${tail(relay.lines)}\n--- page\n${tail(console)}`);
    }
    dump("moq-publish-catalog", { ...result, relay: relay.lines });

    // The catalog: what the page parsed is what we parse here, and it writes back byte for byte.
    const last = result.catalogTexts.at(-1) ?? "";
    expect(parseCatalog(last)).toEqual(result.catalog);
    expect(new TextDecoder().decode(encodeCatalog(result.catalog))).toBe(last);
    const hd = result.catalog.video?.renditions["video/hd"];
    expect(hd).toMatchObject({
      codec: expect.stringMatching(/^avc1\./),
      container: { kind: "legacy" },
      codedWidth: result.camera.width,
      codedHeight: result.camera.height,
      optimizeForLatency: true,
    });
    expect(hd?.codedWidth).toBe(640);
    expect(hd?.codedHeight).toBe(480);
    expect(hd?.description).toBeUndefined(); // Annex B: parameter sets in-band
    expect(result.catalog.video?.display).toEqual({ width: 640, height: 480 });
    if (hd !== undefined) {
      expect(videoDecoderConfig(hd)).toEqual({
        codec: hd.codec,
        codedWidth: 640,
        codedHeight: 480,
        optimizeForLatency: true,
      });
    }
    // Every version moqkit saw parses (earlier ones may lack the rendition, before the encoder was configured).
    for (const text of result.catalogTexts) expect(() => parseCatalog(text)).not.toThrow();

    // One whole video/hd group: object IDs 0, 1, 2, … and the first frame is the key frame.
    const frames = result.frames;
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.map((frame) => frame.index)).toEqual(frames.map((_, i) => i));
    expect(frames.map((frame) => frame.keyFrame)).toEqual(frames.map((_, i) => i === 0));
    const [key, ...rest] = frames;
    expect(key?.nalTypes).toContain(NAL.SPS);
    expect(key?.nalTypes).toContain(NAL.PPS);
    expect(key?.nalTypes).toContain(NAL.IDR);
    expect(key?.dataHead).toMatch(/^00 00 (00 )?01 /);
    for (const frame of rest) {
      expect(frame.nalTypes).not.toContain(NAL.IDR);
      expect(frame.nalTypes).toContain(NAL.NON_IDR);
    }
    // Timestamps: microseconds, strictly increasing (no B-frames in realtime mode), about a frame
    // apart at 30 fps, and the group spans at most @moq/publish's 2 s key frame interval.
    const timestamps = frames.map((frame) => frame.timestampUs);
    for (let i = 1; i < timestamps.length; i++) {
      expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1] ?? Number.POSITIVE_INFINITY);
    }
    const span = (timestamps.at(-1) ?? 0) - (timestamps[0] ?? 0);
    expect(span).toBeLessThan(2_100_000);
    expect(span / (timestamps.length - 1)).toBeGreaterThan(10_000);
    expect(span / (timestamps.length - 1)).toBeLessThan(200_000);
  } finally {
    await context.close();
  }
});
