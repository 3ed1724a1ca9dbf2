import { describe, expect, it } from "vitest";
import type { AudioRendition } from "./audio.ts";
import { parseCatalog } from "./catalog.ts";
import { audioDecoderConfig, videoDecoderConfig } from "./decoder-config.ts";
import { CatalogError } from "./error.ts";
import type { VideoRendition } from "./video.ts";

const legacy = { kind: "legacy" } as const;

describe("decoder configs", () => {
  it("turns the @moq/publish video rendition into a VideoDecoderConfig", () => {
    const catalog = parseCatalog(
      '{"video":{"renditions":{"video/hd":{"codec":"avc1.640028","container":{"kind":"legacy"},"codedWidth":640,"codedHeight":480,"framerate":30,"bitrate":645120,"optimizeForLatency":true,"jitter":34}}}}',
    );
    const rendition = catalog.video?.renditions["video/hd"];
    if (rendition === undefined) throw new Error("no rendition");
    // Assignable to the DOM's type (checked by tsc).
    const config: VideoDecoderConfig = videoDecoderConfig(rendition);
    expect(config).toEqual({ codec: "avc1.640028", codedWidth: 640, codedHeight: 480, optimizeForLatency: true });
  });

  it("decodes the hex description into bytes and keeps the display aspect", () => {
    const rendition: VideoRendition = {
      codec: "avc1.64001f",
      container: legacy,
      description: "01640028FFe1",
      displayAspectWidth: 16,
      displayAspectHeight: 9,
      optimizeForLatency: false,
    };
    const config = videoDecoderConfig(rendition);
    expect(Array.from(config.description ?? [])).toEqual([0x01, 0x64, 0x00, 0x28, 0xff, 0xe1]);
    expect(config.displayAspectWidth).toBe(16);
    expect(config.displayAspectHeight).toBe(9);
    expect(config.optimizeForLatency).toBe(false);
    expect("codedWidth" in config).toBe(false);
  });

  it("optimizes for latency unless told not to (@moq/hang's default)", () => {
    expect(videoDecoderConfig({ codec: "vp8", container: legacy }).optimizeForLatency).toBe(true);
  });

  it("turns an audio rendition into an AudioDecoderConfig", () => {
    const opus: AudioRendition = {
      codec: "opus",
      container: legacy,
      sampleRate: 48000,
      numberOfChannels: 2,
      bitrate: 64000,
    };
    const config: AudioDecoderConfig = audioDecoderConfig(opus);
    expect(config).toEqual({ codec: "opus", sampleRate: 48000, numberOfChannels: 2 });
    const aac = audioDecoderConfig({ ...opus, codec: "mp4a.40.2", description: "1190" });
    expect(Array.from(aac.description ?? [])).toEqual([0x11, 0x90]);
  });

  it("refuses a description that is not hex with a CatalogError naming it", () => {
    const bad = { codec: "vp8", container: legacy, description: "xyz" };
    expect(() => videoDecoderConfig(bad)).toThrow(CatalogError);
    try {
      audioDecoderConfig({ ...bad, sampleRate: 1, numberOfChannels: 1 });
    } catch (error) {
      expect(error).toMatchObject({ code: "invalid-field", path: "$['description']" });
    }
    expect.assertions(2);
  });
});
