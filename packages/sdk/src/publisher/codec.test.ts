import { describe, expect, it } from "vitest";
import { chooseVideoCodec, opusEncoderConfig, videoEncoderConfig } from "./codec.ts";
import { DEFAULT_VIDEO_CODECS, defaultVideoBitrate } from "./options.ts";

const shape = { width: 640, height: 480, frameRate: 30, bitrate: 645_120 };

describe("chooseVideoCodec", () => {
  it("takes the first codec the browser says it encodes, asking in order", async () => {
    const asked: string[] = [];
    const config = await chooseVideoCodec(DEFAULT_VIDEO_CODECS, shape, async (c) => {
      asked.push(c.codec);
      return { supported: c.codec === "vp8" || c.codec === "av01.0.04M.08" };
    });
    expect(asked).toEqual(["avc1.42e01f", "avc1.640028", "vp8"]);
    expect(config).toEqual({
      codec: "vp8",
      width: 640,
      height: 480,
      framerate: 30,
      bitrate: 645_120,
      latencyMode: "realtime",
    });
  });

  it("configures H.264 as Annex B (SPS/PPS in-band, no description)", async () => {
    const config = await chooseVideoCodec(DEFAULT_VIDEO_CODECS, shape, async () => ({ supported: true }));
    expect(config).toMatchObject({ codec: "avc1.42e01f", avc: { format: "annexb" }, latencyMode: "realtime" });
  });

  it("counts a check that throws as unsupported, and answers undefined when nothing encodes", async () => {
    const config = await chooseVideoCodec(["bogus", "vp8"], shape, async (c) => {
      if (c.codec === "bogus") throw new TypeError("invalid codec");
      return { supported: false };
    });
    expect(config).toBeUndefined();
  });

  it("rounds odd sizes down to even ones", () => {
    expect(videoEncoderConfig("avc1.640028", { ...shape, width: 641, height: 479 })).toMatchObject({
      width: 640,
      height: 478,
    });
  });
});

describe("defaults", () => {
  it("matches @moq/publish's bitrate at 640x480@30 for H.264 (the captured catalog says 645120)", () => {
    expect(defaultVideoBitrate(640, 480, 30, "avc1.42e01f")).toBe(645_120);
    expect(defaultVideoBitrate(640, 480, 30, "vp8")).toBe(709_632);
  });

  it("configures Opus with the frame duration in microseconds", () => {
    expect(opusEncoderConfig(48_000, 1, 32_000, 20)).toEqual({
      codec: "opus",
      sampleRate: 48_000,
      numberOfChannels: 1,
      bitrate: 32_000,
      opus: { frameDuration: 20_000 },
    });
  });
});
