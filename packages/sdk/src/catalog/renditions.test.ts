import { describe, expect, it } from "vitest";
import { parseCatalog } from "./catalog.ts";
import { audioRenditions, videoRenditions } from "./renditions.ts";

describe("rendition lists", () => {
  it("lists each rendition with its track name, in catalog order", () => {
    const catalog = parseCatalog(
      '{"video":{"renditions":{"video/hd":{"codec":"avc1.640028","codedWidth":640},"video/sd":{"codec":"avc1.640028","codedWidth":112}}},"audio":{"renditions":{"audio/data":{"codec":"opus","sampleRate":48000,"numberOfChannels":2}}}}',
    );
    expect(videoRenditions(catalog).map(({ track, rendition }) => [track, rendition.codedWidth])).toEqual([
      ["video/hd", 640],
      ["video/sd", 112],
    ]);
    expect(audioRenditions(catalog).map(({ track, rendition }) => [track, rendition.codec])).toEqual([
      ["audio/data", "opus"],
    ]);
  });

  it("is empty for a missing section", () => {
    expect(videoRenditions({})).toEqual([]);
    expect(audioRenditions(parseCatalog('{"video":{"renditions":{}}}'))).toEqual([]);
  });
});
