// The player's decoder wrapper (VideoDecoding, decoderConfig, canDecode in
// packages/sdk/src/player/video-decoding.ts) in headless Chromium, with real frames from WebCodecs'
// encoder: H.264 Annex B without a description and avcC with one (and avcC without it failing
// through the player's error event), every frame out before the next chunk is given
// (optimizeForLatency) for H.264 and VP8, against a bare decoder without it, the delta frames after
// an error skipped until the next key frame, a reset by a cut group, and the rendition choice. The
// wrapper is not exported, so the page drives it through the Player on a fake worker client and
// watches the decoders it makes (e2e/fixtures/video-decoding/main.ts says how).
import { expect, type Page, test } from "@playwright/test";
import { openFixturePage } from "./fixture-page.ts";
import type { DecodeAllResult, Step, VideoPage } from "./fixtures/video-decoding/main.ts";

declare const videoPage: VideoPage;

test.describe.configure({ timeout: 30_000 });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await openFixturePage(browser, "video-decoding");
});

test.afterAll(async () => {
  await page.context().close();
});

const WIDTH = 320;
const HEIGHT = 240;

/**
 * Every encoded frame came out, in order, at the encoded size (FFmpeg's H.264 decoder pads the coded
 * height: 258 for 240; the visible rectangle is the picture); painted; no error anywhere.
 */
function checkAllDecoded(result: DecodeAllResult): void {
  expect(result.chosen).toBe("video/hd");
  expect(result.errors).toEqual([]);
  expect(result.decoderErrors).toEqual([]);
  expect(result.decodes).toBe(result.encoded);
  expect(result.outputs.map((output) => output.timestampUs)).toEqual(result.inputTimestamps);
  for (const output of result.outputs) {
    expect(output).toMatchObject({
      visibleRect: { x: 0, y: 0, width: WIDTH, height: HEIGHT },
      displayWidth: WIDTH,
      displayHeight: HEIGHT,
    });
    expect(output.codedWidth).toBeGreaterThanOrEqual(WIDTH);
    expect(output.codedHeight).toBeGreaterThanOrEqual(HEIGHT);
  }
  expect(result.framesDecoded).toBe(result.encoded);
  expect(result.canvas).toEqual({ width: WIDTH, height: HEIGHT });
}

const describeSteps = (steps: Step[]): string =>
  steps
    .map(
      (s) =>
        `${s.key ? "K" : "d"}${s.given === undefined ? "-skipped" : s.out ? "+out" : s.threw ? "!threw" : "-lost"}`,
    )
    .join(" ");

test("H.264 Annex B without a description: every frame decoded at its size", async () => {
  const result = await page.evaluate(() =>
    videoPage.decodeAll({ kind: "annexb", description: false, groups: 2, gop: 30 }),
  );
  console.log(
    `Annex B: ${result.outputs.length}/${result.encoded} frames out (${result.keys} key), first output ` +
      `${JSON.stringify(result.outputs[0])}, config ${JSON.stringify(result.configs[0])}`,
  );
  expect(result.keys).toBe(2);
  expect(result.rendition.description).toBeUndefined();
  // One decoder, configured at its creation and again at each reset (the player resets it as the media starts).
  expect(result.configs.length).toBeGreaterThanOrEqual(1);
  for (const config of result.configs) {
    expect(config).toEqual({
      decoder: 0,
      codec: "avc1.42e01f",
      description: undefined,
      optimizeForLatency: true,
      hardwareAcceleration: "no-preference",
      codedWidth: WIDTH,
      codedHeight: HEIGHT,
    });
  }
  checkAllDecoded(result);
});

test("H.264 avcC: decoded with the catalog's description, a decode error without it", async () => {
  // The catalog asks for optimizeForLatency false: the wrapper sets it anyway.
  const withIt = await page.evaluate(() =>
    videoPage.decodeAll({
      kind: "avc",
      description: true,
      groups: 2,
      gop: 30,
      rendition: { optimizeForLatency: false },
    }),
  );
  console.log(
    `avcC with description (${withIt.descriptionBytes} bytes): ${withIt.outputs.length}/${withIt.encoded} frames out`,
  );
  expect(withIt.descriptionBytes).toBeGreaterThan(0);
  expect(withIt.rendition.description).toMatch(/^01[0-9a-f]+$/); // avcC: configurationVersion 1
  expect(withIt.configs.length).toBeGreaterThanOrEqual(1);
  for (const config of withIt.configs) {
    expect(config).toMatchObject({
      decoder: 0,
      codec: "avc1.42e01f",
      description: withIt.rendition.description,
      optimizeForLatency: true,
    });
  }
  checkAllDecoded(withIt);

  const without = await page.evaluate(() =>
    videoPage.stepped({ kind: "avc", description: false, groups: 2, gop: 10, waitMs: 500 }),
  );
  const errors = without.steps.flatMap((s) => s.errors);
  console.log(
    `avcC without description: ${describeSteps(without.steps)}; player errors ${JSON.stringify(errors)}; ` +
      `decoder errors ${JSON.stringify(without.decoderErrors)}`,
  );
  expect(without.configs[0]?.description).toBeUndefined();
  expect(without.steps.filter((s) => s.out)).toEqual([]);
  expect(without.framesDecoded).toBe(0);
  // Each group's key frame fails, reported through the hooks as the player's decode-error...
  const keys = without.steps.filter((s) => s.key);
  expect(keys).toHaveLength(2);
  for (const key of keys) {
    expect(key.given).toBe("key");
    expect(key.errors.map((e) => e.code)).toEqual(["decode-error"]);
  }
  // ...and the delta frames after it wait for the next key frame.
  expect(without.steps.filter((s) => !s.key && s.given !== undefined)).toEqual([]);
});

test("optimizeForLatency: every frame out before the next chunk (H.264, VP8); a bare decoder without it holds back", async () => {
  for (const kind of ["annexb", "vp8"] as const) {
    const result = await page.evaluate(
      // A frame held back never comes out before the next chunk, however long the wait: 1 s leaves room
      // for a fresh decoder's first output on a loaded machine (a CI run saw more than 250 ms).
      (kind) => videoPage.stepped({ kind, description: false, groups: 2, gop: 30, waitMs: 1000 }),
      kind,
    );
    console.log(
      `VideoDecoding ${kind}: decode→output p50 ${result.latencyMs.p50.toFixed(2)} ms, max ${result.latencyMs.max.toFixed(2)} ms ` +
        `over ${result.latencyMs.count} frames, configs ${JSON.stringify(result.configs.map((c) => c.optimizeForLatency))}`,
    );
    expect(result.decoderErrors).toEqual([]);
    expect(result.steps).toHaveLength(60);
    for (const s of result.steps) {
      expect(s, `frame ${s.timestampUs}`).toMatchObject({
        read: true,
        given: s.key ? "key" : "delta",
        out: true,
        heldBack: 0,
      });
    }
    expect(result.framesDecoded).toBe(60);
  }

  for (const optimize of [undefined, true] as const) {
    const raw = await page.evaluate((optimize) => videoPage.rawDecoder("annexb", optimize, 20, 60), optimize);
    console.log(
      `bare VideoDecoder H.264, optimizeForLatency ${String(raw.config.optimizeForLatency)}: held back after each ` +
        `60 ms wait [${raw.heldBack.join(",")}], ${raw.outAfterFlush}/20 out after flush; at 30 fps decode→output ` +
        `p50 ${raw.pacedLatencyMs.p50.toFixed(2)} ms, max ${raw.pacedLatencyMs.max.toFixed(2)} ms, ` +
        `at most ${raw.pacedMaxOutstanding} in the decoder`,
    );
    expect(raw.errors).toEqual([]);
    expect(raw.outAfterFlush).toBe(20);
  }
});

test("a delta frame while a key frame is needed is skipped; after a reset the next key frame decodes", async () => {
  // VP8: a delta frame cut to 10 bytes is a corrupt frame to libvpx (a decoder error).
  const result = await page.evaluate(() => videoPage.skipAndReset("vp8", 10));
  console.log(
    `group 0 (frame 4 corrupt): ${describeSteps(result.corrupted)} | group 1: ${describeSteps(result.afterError)} | ` +
      `group 2 (cut short): ${describeSteps(result.beforeCut)} | group 3: ${describeSteps(result.afterReset)}; ` +
      `decoders ${result.decoders}, resets ${result.resetsBeforeCut}→${result.resetsAfterCut}, ` +
      `decoder errors ${JSON.stringify(result.decoderErrors)}`,
  );
  const [k, d1, d2, d3, corrupt, ...rest] = result.corrupted;
  for (const s of [k, d1, d2, d3]) expect(s).toMatchObject({ given: expect.any(String), out: true });
  expect(corrupt).toMatchObject({ given: "delta", out: false });
  expect(corrupt?.errors.map((e) => e.code)).toEqual(["decode-error"]);
  // The good delta frames after the error are read by the player but never reach a decoder.
  expect(rest).toHaveLength(3);
  for (const s of rest) expect(s).toMatchObject({ read: true, given: undefined, out: false, errors: [] });
  // The next group's key frame decodes (on a new decoder: the failed one is closed), and so the group.
  expect(result.decodersAfterError).toBe(2);
  for (const s of result.afterError) expect(s).toMatchObject({ given: s.key ? "key" : "delta", out: true, errors: [] });
  // A group cut short resets the decoder (reset and configured again), and the next key frame decodes.
  for (const s of result.beforeCut) expect(s).toMatchObject({ out: true, errors: [] });
  expect(result.resetsAfterCut).toBe(result.resetsBeforeCut + 1);
  expect(result.configsAfterCut).toEqual([expect.objectContaining({ codec: "vp8", optimizeForLatency: true })]);
  for (const s of result.afterReset) expect(s).toMatchObject({ given: s.key ? "key" : "delta", out: true, errors: [] });
  expect(result.decoderErrors).toHaveLength(1);
});

test("canDecode: the player takes the first rendition the browser decodes, and fails on none", async () => {
  const some = await page.evaluate(() => videoPage.choose({ "video/nope": "nope.1", "video/hd": "vp8" }));
  const none = await page.evaluate(() => videoPage.choose({ "video/nope": "nope.1" }));
  console.log(
    `choice: ${some.chosen} (${some.state}, ${some.configs.length} configure calls); none decodable: ${none.state}, ` +
      JSON.stringify(none.errors),
  );
  expect(some.chosen).toBe("video/hd");
  expect(some.statsRendition).toEqual({ video: "video/hd", codec: "vp8" });
  expect(new Set(some.configs.map((c) => `${c.decoder} ${c.codec}`))).toEqual(new Set(["0 vp8"]));
  expect(some.errors).toEqual([]);
  expect(none.chosen).toBeUndefined();
  expect(none.state).toBe("failed");
  expect(none.errors.map((e) => e.code)).toEqual(["no-decodable-rendition"]);
  expect(none.configs).toEqual([]);
});
