import { describe, expect, it } from "vitest";
import { createTrack } from "../cache/index.ts";
import { parseCatalog } from "../catalog/index.ts";
import { buildCatalog, CatalogWriter } from "./catalog-builder.ts";

const video = { codec: "avc1.640028", width: 640, height: 480, frameRate: 30, bitrate: 645_120 };
const audio = { codec: "opus", sampleRate: 48_000, channels: 1, bitrate: 32_000, frameDurationMs: 20 };

describe("buildCatalog", () => {
  it("writes the video section as @moq/publish 0.2.17 does (the catalog captured in issue 9)", () => {
    const writer = new CatalogWriter(createTrack("catalog.json")[0], 0, 2000);
    writer.write(buildCatalog(video, undefined));
    expect(writer.json).toBe(
      '{"video":{"renditions":{"video/hd":{"codec":"avc1.640028","container":{"kind":"legacy"},"codedWidth":640,"codedHeight":480,"framerate":30,"bitrate":645120,"optimizeForLatency":true,"jitter":34}},"display":{"width":640,"height":480},"flip":false}}',
    );
  });

  it("adds the audio rendition, which parses back", () => {
    const catalog = parseCatalog(JSON.stringify(buildCatalog(video, audio)));
    expect(catalog.audio?.renditions["audio/data"]).toEqual({
      codec: "opus",
      container: { kind: "legacy" },
      sampleRate: 48_000,
      numberOfChannels: 1,
      bitrate: 32_000,
      jitter: 20,
    });
  });
});

describe("CatalogWriter", () => {
  it("writes a new group only when the catalog changes, one object each", async () => {
    const [track, reader] = createTrack("catalog.json", { keepLatest: true });
    const writer = new CatalogWriter(track, 0, 2000);
    expect(writer.write(buildCatalog(video, undefined))).toBe(true);
    expect(writer.write(buildCatalog(video, undefined))).toBe(false);
    expect(writer.write(buildCatalog(video, audio))).toBe(true);
    const segments = [reader.tryNextSegment(), reader.tryNextSegment()];
    expect(segments.map((s) => [s?.sequence, s?.chunkCount, s?.isFinished]).sort()).toEqual([
      [0, 1, true],
      [1, 1, true],
    ]);
    const newest = segments.find((s) => s?.sequence === 1);
    const bytes = await newest?.readChunk();
    expect(new TextDecoder().decode(bytes)).toBe(writer.json);
  });

  it("numbers a start's groups from its first sequence, so a later start's catalog is never taken for an old one", () => {
    // One track as a viewer's cache keeps it across the broadcast's stop and start.
    const [track, reader] = createTrack("catalog.json", { keepLatest: true });
    const first = new CatalogWriter(track, 0, 60_000, 1_000);
    first.write(buildCatalog(undefined, audio));
    first.write(buildCatalog(video, audio));
    const again = new CatalogWriter(track, 0, 60_000, 2_000);
    // Numbered from 0 each time, the second start's catalogs would be duplicates and throw.
    expect(again.write(buildCatalog(undefined, audio))).toBe(true);
    expect(again.write(buildCatalog(video, audio))).toBe(true);
    expect(reader.latestSequence).toBe(2_001);
  });
});
