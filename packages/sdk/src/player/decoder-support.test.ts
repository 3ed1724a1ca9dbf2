import { describe, expect, it } from "vitest";
import { rememberedSupport } from "./decoder-support.ts";

describe("rememberedSupport", () => {
  it("asks once per configuration and gives the same answer after", async () => {
    let asked = 0;
    const ask = async () => {
      asked++;
      return true;
    };
    const config = { codec: "avc1.42e01f", codedWidth: 640, codedHeight: 480 };
    expect(await rememberedSupport("video", config, ask)).toBe(true);
    expect(await rememberedSupport("video", { ...config }, ask)).toBe(true);
    expect(asked).toBe(1);
  });

  it("tells configurations apart by every field, the description's bytes and the kind included", async () => {
    const asked: string[] = [];
    const ask = (label: string, answer: boolean) => async () => {
      asked.push(label);
      return answer;
    };
    const base = { codec: "mp4a.40.2", sampleRate: 48000, numberOfChannels: 2 };
    expect(await rememberedSupport("audio", { ...base, description: new Uint8Array([1, 2]) }, ask("a", true))).toBe(
      true,
    );
    expect(await rememberedSupport("audio", { ...base, description: new Uint8Array([1, 3]) }, ask("b", false))).toBe(
      false,
    );
    expect(await rememberedSupport("audio", { ...base, sampleRate: 44100 }, ask("c", true))).toBe(true);
    expect(await rememberedSupport("video", { codec: "mp4a.40.2" }, ask("d", false))).toBe(false);
    expect(await rememberedSupport("audio", { ...base, description: new Uint8Array([1, 2]) }, ask("e", false))).toBe(
      true,
    );
    expect(asked).toEqual(["a", "b", "c", "d"]);
  });

  it("keeps a bounded number of answers: the oldest is asked again", async () => {
    let asked = 0;
    const ask = async () => {
      asked++;
      return true;
    };
    for (let i = 0; i < 65; i++) await rememberedSupport("video", { codec: `vp8-bounded-${i}` }, ask);
    expect(asked).toBe(65);
    await rememberedSupport("video", { codec: "vp8-bounded-64" }, ask);
    expect(asked).toBe(65);
    await rememberedSupport("video", { codec: "vp8-bounded-0" }, ask);
    expect(asked).toBe(66);
  });
});
