import { describe, expect, it } from "vitest";
import { type Catalog, DEFAULT_MAX_CATALOG_BYTES, encodeCatalog, parseCatalog } from "./catalog.ts";
import { CatalogError, type CatalogErrorCode } from "./error.ts";
import { type HangUser, hangVersion, loadHangCatalog } from "./test-hang.ts";

/** What @moq/publish 0.2.17 wrote into catalog.json, captured through our relay (camera only). */
const PUBLISHED_VIDEO =
  '{"video":{"renditions":{"video/hd":{"codec":"avc1.640028","container":{"kind":"legacy"},"codedWidth":640,"codedHeight":480,"framerate":30,"bitrate":645120,"optimizeForLatency":true,"jitter":34}},"display":{"width":640,"height":480},"flip":false}}';

/**
 * The same broadcast with the microphone on, as @moq/publish 0.2.17 builds it (its audio encoder:
 * Opus, 32 kb/s per channel, 20 ms frames, no description) and @moq/hang 0.2 orders it.
 */
const PUBLISHED_VIDEO_AUDIO =
  '{"video":{"renditions":{"video/hd":{"codec":"avc1.640028","container":{"kind":"legacy"},"codedWidth":640,"codedHeight":480,"framerate":30,"bitrate":645120,"optimizeForLatency":true,"jitter":34}},"display":{"width":640,"height":480},"flip":false},"audio":{"renditions":{"audio/data":{"codec":"opus","container":{"kind":"legacy"},"sampleRate":48000,"numberOfChannels":2,"bitrate":64000,"jitter":20}}}}';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function refusal(input: string | Uint8Array, limits?: { maxBytes?: number; maxDepth?: number }) {
  try {
    parseCatalog(input, limits);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    return { code: error.code, path: error.path };
  }
  throw new Error("expected a CatalogError");
}

function encodeRefusal(catalog: unknown): { code: CatalogErrorCode; path: string } {
  try {
    encodeCatalog(catalog as Catalog);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    return { code: error.code, path: error.path };
  }
  throw new Error("expected a CatalogError");
}

/** A video rendition with `field` replaced. */
const withVideoField = (field: string, value: unknown) =>
  JSON.stringify({ video: { renditions: { "video/hd": { codec: "avc1.640028", [field]: value } } } });

describe("parseCatalog", () => {
  it("reads the catalog @moq/publish 0.2.17 publishes", () => {
    const catalog = parseCatalog(PUBLISHED_VIDEO);
    expect(catalog).toEqual({
      video: {
        renditions: {
          "video/hd": {
            codec: "avc1.640028",
            container: { kind: "legacy" },
            codedWidth: 640,
            codedHeight: 480,
            framerate: 30,
            bitrate: 645120,
            optimizeForLatency: true,
            jitter: 34,
          },
        },
        display: { width: 640, height: 480 },
        flip: false,
      },
    });
    expect(catalog.audio).toBeUndefined();
    expect(catalog.extensions).toBeUndefined();
  });

  it("reads the same from UTF-8 bytes", () => {
    expect(parseCatalog(new TextEncoder().encode(PUBLISHED_VIDEO))).toEqual(parseCatalog(PUBLISHED_VIDEO));
  });

  it("reads the audio section (Opus 48 kHz stereo)", () => {
    const catalog = parseCatalog(PUBLISHED_VIDEO_AUDIO);
    expect(catalog.audio).toEqual({
      renditions: {
        "audio/data": {
          codec: "opus",
          container: { kind: "legacy" },
          sampleRate: 48000,
          numberOfChannels: 2,
          bitrate: 64000,
          jitter: 20,
        },
      },
    });
    expect(catalog.video?.renditions["video/hd"]?.codedWidth).toBe(640);
  });

  it("round-trips both to the same bytes @moq/publish wrote", () => {
    for (const published of [PUBLISHED_VIDEO, PUBLISHED_VIDEO_AUDIO]) {
      expect(text(encodeCatalog(parseCatalog(published)))).toBe(published);
    }
  });

  it("fills in @moq/hang's defaults: the legacy container, a timeline timescale of 1000", () => {
    const catalog = parseCatalog(
      '{"audio":{"renditions":{"a":{"codec":"opus","sampleRate":48000,"numberOfChannels":1,"timeline":{"track":"a.t"}}}}}',
    );
    expect(catalog.audio?.renditions.a?.container).toEqual({ kind: "legacy" });
    expect(catalog.audio?.renditions.a?.timeline).toEqual({ track: "a.t", timescale: 1000 });
  });

  it("reads every field @moq/hang defines", () => {
    const full = {
      video: {
        renditions: {
          "video/hd": {
            broadcast: "../source",
            codec: "avc1.64001f",
            container: { kind: "cmaf", init: "AAAAGGZ0eXA=", timescale: 90000, trackId: 1 },
            description: "01640028ffe1",
            codedWidth: 1280,
            codedHeight: 720,
            displayAspectWidth: 16,
            displayAspectHeight: 9,
            framerate: 29.97,
            bitrate: 3_000_000,
            optimizeForLatency: false,
            jitter: 100,
            timeline: { track: "video/hd.timeline", timescale: 90000, wall: 12345 },
          },
          "video/sd": { codec: "vp8", container: { kind: "loc" } },
        },
        display: { width: 1280, height: 720 },
        rotation: 90,
        flip: true,
      },
      audio: {
        renditions: {
          "audio/data": {
            codec: "mp4a.40.2",
            container: { kind: "legacy" },
            description: "1190",
            sampleRate: 48000,
            numberOfChannels: 2,
            bitrate: 128000,
            jitter: 22,
          },
        },
      },
    };
    const json = JSON.stringify(full);
    expect(parseCatalog(json)).toEqual(full);
    expect(text(encodeCatalog(parseCatalog(json)))).toBe(json);
  });

  it("drops unknown fields inside sections and renditions, keeps unknown top-level sections", () => {
    const catalog = parseCatalog(
      '{"scte35":{"spliceId":42},"video":{"renditions":{"v":{"codec":"vp8","hdr":true}},"extra":1},"chat":[1,"x",null]}',
    );
    expect(catalog.video).toEqual({ renditions: { v: { codec: "vp8", container: { kind: "legacy" } } } });
    expect(catalog.extensions).toEqual({ scte35: { spliceId: 42 }, chat: [1, "x", null] });
    expect(text(encodeCatalog(catalog))).toBe(
      '{"video":{"renditions":{"v":{"codec":"vp8","container":{"kind":"legacy"}}}},"scte35":{"spliceId":42},"chat":[1,"x",null]}',
    );
  });

  it("keeps a container kind it does not know, verbatim, and writes it back", () => {
    const json = '{"video":{"renditions":{"v":{"codec":"vp8","container":{"kind":"mkv","cluster":7}}}}}';
    const catalog = parseCatalog(json);
    expect(catalog.video?.renditions.v?.container).toEqual({ kind: "unknown", raw: { kind: "mkv", cluster: 7 } });
    expect(text(encodeCatalog(catalog))).toBe(json);
  });

  it("reads the older section forms @moq/hang still accepts", () => {
    const video = parseCatalog(
      '{"video":[{"track":{"name":"hd"},"config":{"codec":"vp8","displayAspectWidth":4,"displayAspectHeight":3}},{"track":{"name":"sd"},"config":{"codec":"vp8"}}]}',
    ).video;
    expect(Object.keys(video?.renditions ?? {})).toEqual(["hd", "sd"]);
    expect(video?.display).toEqual({ width: 4, height: 3 });
    const audio = parseCatalog(
      '{"audio":{"track":{"name":"audio/data"},"config":{"codec":"opus","sampleRate":48000,"numberOfChannels":2}}}',
    ).audio;
    expect(audio?.renditions["audio/data"]?.sampleRate).toBe(48000);
    expect(refusal('{"audio":{"track":{"name":"a"}}}')).toEqual({
      code: "invalid-field",
      path: "$['audio']['config']",
    });
  });

  it("treats any track name as a name, __proto__ included", () => {
    const catalog = parseCatalog(
      '{"video":{"renditions":{"__proto__":{"codec":"vp8"},"constructor":{"codec":"vp9"}}}}',
    );
    const renditions = catalog.video?.renditions ?? {};
    expect(Object.keys(renditions)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(renditions)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(renditions, "__proto__")?.value).toMatchObject({ codec: "vp8" });
    expect(parseCatalog(encodeCatalog(catalog))).toEqual(catalog);
    const extensions = parseCatalog('{"__proto__":{"polluted":true}}').extensions ?? {};
    expect(Object.keys(extensions)).toEqual(["__proto__"]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("refuses text that is not JSON", () => {
    for (const bad of ["", "{", '{"video":}', "{'video':{}}", "NaN", '{"a":1}x']) {
      expect(refusal(bad)).toEqual({ code: "invalid-json", path: "$" });
    }
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(refusal(Uint8Array.of(0x7b, 0xff, 0x7d))).toEqual({ code: "invalid-utf8", path: "$" });
  });

  it("refuses a document that is not an object", () => {
    for (const bad of ["null", "[]", "1", '"catalog"', "true"]) {
      expect(refusal(bad)).toEqual({ code: "invalid-field", path: "$" });
    }
  });

  it("refuses known fields of the wrong type, naming them", () => {
    const hd = "$['video']['renditions']['video/hd']";
    const cases: [string, string][] = [
      [withVideoField("codedWidth", "640"), `${hd}['codedWidth']`],
      [withVideoField("codedWidth", 640.5), `${hd}['codedWidth']`],
      [withVideoField("codedWidth", -1), `${hd}['codedWidth']`],
      [withVideoField("codedWidth", 2 ** 53), `${hd}['codedWidth']`],
      [withVideoField("codedHeight", null), `${hd}['codedHeight']`],
      [withVideoField("framerate", "30"), `${hd}['framerate']`],
      [withVideoField("optimizeForLatency", 1), `${hd}['optimizeForLatency']`],
      [withVideoField("description", "0g"), `${hd}['description']`],
      [withVideoField("description", "abc"), `${hd}['description']`],
      [withVideoField("container", "legacy"), `${hd}['container']`],
      [withVideoField("container", {}), `${hd}['container']['kind']`],
      [withVideoField("container", { kind: 3 }), `${hd}['container']['kind']`],
      [withVideoField("container", { kind: "cmaf" }), `${hd}['container']['init']`],
      [withVideoField("container", { kind: "cmaf", init: "not base64!" }), `${hd}['container']['init']`],
      [withVideoField("timeline", { timescale: 1 }), `${hd}['timeline']['track']`],
      [withVideoField("codec", 1), `${hd}['codec']`],
      ['{"video":{"renditions":{"v":{}}}}', "$['video']['renditions']['v']['codec']"],
      ['{"video":{"renditions":{"v":[]}}}', "$['video']['renditions']['v']"],
      ['{"video":{}}', "$['video']['renditions']"],
      ['{"video":{"renditions":[]}}', "$['video']['renditions']"],
      ['{"video":{"renditions":{},"display":{"width":1}}}', "$['video']['display']['height']"],
      ['{"video":{"renditions":{},"flip":"no"}}', "$['video']['flip']"],
      ['{"video":{"renditions":{},"rotation":"90"}}', "$['video']['rotation']"],
      ['{"video":"hd"}', "$['video']"],
      ['{"video":[{"track":{"name":1},"config":{"codec":"vp8"}}]}', "$['video'][0]['track']['name']"],
      [
        '{"audio":{"renditions":{"a":{"codec":"opus","sampleRate":48000}}}}',
        "$['audio']['renditions']['a']['numberOfChannels']",
      ],
      [
        '{"audio":{"renditions":{"a":{"codec":"opus","sampleRate":"48000","numberOfChannels":2}}}}',
        "$['audio']['renditions']['a']['sampleRate']",
      ],
      ['{"audio":null}', "$['audio']"],
      ['{"video":{"renditions":{"it\'s\\n":{}}}}', "$['video']['renditions']['it\\'s\\n']['codec']"],
    ];
    for (const [json, path] of cases) expect(refusal(json), json).toEqual({ code: "invalid-field", path });
  });

  it("refuses input above the size limit, as text or bytes, counting UTF-8 bytes", () => {
    const padding = " ".repeat(DEFAULT_MAX_CATALOG_BYTES - 2);
    expect(parseCatalog(`{}${padding}`)).toEqual({});
    expect(refusal(`{}${padding} `)).toEqual({ code: "too-large", path: "$" });
    expect(refusal(new TextEncoder().encode(`{}${padding} `))).toEqual({ code: "too-large", path: "$" });
    // 10 characters, 30 bytes of UTF-8.
    const wide = `{"x":"${"€".repeat(8)}"}`;
    expect(refusal(wide, { maxBytes: 31 })).toEqual({ code: "too-large", path: "$" });
    expect(parseCatalog(wide, { maxBytes: 32 }).extensions).toEqual({ x: "€".repeat(8) });
  });

  it("refuses JSON nested too deep, without overflowing the stack", () => {
    const deep = `{"x":${"[".repeat(30_000)}${"]".repeat(30_000)}}`;
    expect(refusal(deep, { maxBytes: 100_000 })).toEqual({
      code: "too-deep",
      path: expect.stringMatching(/^\$\['x'\](\[0\])+$/),
    });
    expect(parseCatalog('{"x":[[1]]}', { maxDepth: 3 }).extensions).toEqual({ x: [[1]] });
    expect(refusal('{"x":[[[1]]]}', { maxDepth: 3 }).code).toBe("too-deep");
  });
});

describe("encodeCatalog", () => {
  it("writes an empty catalog as {}", () => {
    expect(text(encodeCatalog({}))).toBe("{}");
  });

  it("leaves absent fields out and writes the container even when it was defaulted", () => {
    const catalog = parseCatalog('{"video":{"renditions":{"v":{"codec":"vp8"}}}}');
    expect(text(encodeCatalog(catalog))).toBe(
      '{"video":{"renditions":{"v":{"codec":"vp8","container":{"kind":"legacy"}}}}}',
    );
    const withUndefined = {
      video: {
        renditions: { v: { codec: "vp8", container: { kind: "legacy" }, codedWidth: undefined } },
        flip: undefined,
      },
    } as const;
    expect(text(encodeCatalog(withUndefined))).toBe(
      '{"video":{"renditions":{"v":{"codec":"vp8","container":{"kind":"legacy"}}}}}',
    );
  });

  it("refuses what it could not read back, naming the field", () => {
    expect(
      encodeRefusal({ video: { renditions: { v: { codec: "vp8", container: { kind: "legacy" }, codedWidth: 1.5 } } } }),
    ).toEqual({
      code: "invalid-field",
      path: "$['video']['renditions']['v']['codedWidth']",
    });
    expect(
      encodeRefusal({
        video: { renditions: { v: { codec: "vp8", container: { kind: "legacy" }, framerate: Number.NaN } } },
      }),
    ).toEqual({ code: "invalid-field", path: "$['video']['renditions']['v']['framerate']" });
    expect(encodeRefusal({ audio: { renditions: { a: { codec: "opus", container: { kind: "legacy" } } } } })).toEqual({
      code: "invalid-field",
      path: "$['audio']['renditions']['a']['sampleRate']",
    });
    expect(encodeRefusal({ extensions: { video: {} } })).toEqual({
      code: "invalid-field",
      path: "$['extensions']['video']",
    });
    expect(encodeRefusal({ extensions: { when: new Date(0) } })).toEqual({ code: "invalid-field", path: "$['when']" });
    expect(encodeRefusal({ extensions: { n: 10n } })).toEqual({ code: "invalid-field", path: "$['n']" });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(encodeRefusal({ extensions: { cycle } }).code).toBe("too-deep");
    expect(
      encodeRefusal({
        video: { renditions: { v: { codec: "vp8", container: { kind: "unknown", raw: { kind: "legacy" } } } } },
      }),
    ).toEqual({ code: "invalid-field", path: "$['video']['renditions']['v']['container']['raw']" });
    expect(encodeRefusal(null)).toEqual({ code: "invalid-field", path: "$" });
  });

  it("refuses to write more than the limit", () => {
    const big = { extensions: { pad: "x".repeat(DEFAULT_MAX_CATALOG_BYTES) } };
    expect(encodeRefusal(big).code).toBe("too-large");
    expect(encodeCatalog(big, { maxBytes: 2 * DEFAULT_MAX_CATALOG_BYTES }).byteLength).toBe(
      DEFAULT_MAX_CATALOG_BYTES + 10,
    );
  });
});

describe("against @moq/hang's own catalog schema", () => {
  for (const user of ["@moq/publish", "@moq/watch"] satisfies HangUser[]) {
    it(`@moq/hang ${hangVersion(user)} (under ${user}) reads what we write as we read it`, async () => {
      const { RootSchema } = await loadHangCatalog(user);
      for (const published of [PUBLISHED_VIDEO, PUBLISHED_VIDEO_AUDIO]) {
        const ours = text(encodeCatalog(parseCatalog(published)));
        expect(JSON.stringify(RootSchema.parse(JSON.parse(ours)))).toBe(published);
      }
    });
  }

  it("hang 0.2 (what @moq/publish 0.2.17 runs) and we both refuse what the other refuses", async () => {
    const { RootSchema } = await loadHangCatalog("@moq/publish");
    expect(hangVersion("@moq/publish")).toMatch(/^0\.2\./);
    for (const bad of [withVideoField("codedWidth", "640"), withVideoField("codedWidth", -1), '{"video":{}}']) {
      expect(RootSchema.safeParse(JSON.parse(bad)).success).toBe(false);
      expect(() => parseCatalog(bad)).toThrow(CatalogError);
    }
  });
});
