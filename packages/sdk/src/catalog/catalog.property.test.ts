import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type Catalog, encodeCatalog, parseCatalog } from "./catalog.ts";
import { CatalogError } from "./error.ts";
import { bytesToHex } from "./hex.ts";
import { type HangCatalogModule, loadHangCatalog } from "./test-hang.ts";

let hang02: HangCatalogModule;
let hang03: HangCatalogModule;
beforeAll(async () => {
  hang02 = await loadHangCatalog("@moq/publish");
  hang03 = await loadHangCatalog("@moq/watch");
});

/** Runs `action`; fails the property if it throws anything but a CatalogError. */
function onlyCatalogErrors(action: () => unknown): boolean {
  try {
    action();
    return true;
  } catch (error) {
    if (error instanceof CatalogError) return false;
    throw error;
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// Names safe for zod's records too (it builds plain objects); __proto__ is tested on its own.
const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== "__proto__");
const u53 = fc.oneof(fc.nat(100_000), fc.constant(Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
const real = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const container = fc.oneof(
  fc.constant({ kind: "legacy" as const }),
  fc.constant({ kind: "loc" as const }),
  fc.record(
    {
      kind: fc.constant("cmaf" as const),
      init: fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString("base64")),
      timescale: u53,
      trackId: u53,
    },
    { requiredKeys: ["kind", "init"] },
  ),
);
const timeline = fc.record({ track: name, timescale: u53, wall: u53 }, { requiredKeys: ["track", "timescale"] });
const hex = fc.uint8Array({ maxLength: 16 }).map(bytesToHex);
const videoRendition = fc.record(
  {
    codec: fc.string({ maxLength: 16 }),
    container,
    description: hex,
    codedWidth: u53,
    codedHeight: u53,
    displayAspectWidth: u53,
    displayAspectHeight: u53,
    framerate: real,
    bitrate: u53,
    optimizeForLatency: fc.boolean(),
    jitter: u53,
    timeline,
  },
  { requiredKeys: ["codec", "container"] },
);
const audioRendition = fc.record(
  {
    codec: fc.string({ maxLength: 16 }),
    container,
    description: hex,
    sampleRate: u53,
    numberOfChannels: u53,
    bitrate: u53,
    jitter: u53,
    timeline,
  },
  { requiredKeys: ["codec", "container", "sampleRate", "numberOfChannels"] },
);
/** Valid catalogs with every field @moq/hang 0.2 defines (no `broadcast`, no unknown containers, no extensions). */
const catalog: fc.Arbitrary<Catalog> = fc.record(
  {
    video: fc.record(
      {
        renditions: fc.dictionary(name, videoRendition, { maxKeys: 3 }),
        display: fc.record({ width: u53, height: u53 }),
        rotation: real,
        flip: fc.boolean(),
      },
      { requiredKeys: ["renditions"] },
    ),
    audio: fc.record({ renditions: fc.dictionary(name, audioRendition, { maxKeys: 2 }) }),
  },
  { requiredKeys: [] },
);

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => {
    const path = [...prefix, key];
    return [path, ...paths((value as Record<string | number, unknown>)[key], path)];
  });
}

/** `document` with the value at `path` replaced (or deleted when `replacement` is undefined). */
function mutate(document: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(document)) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replacement ?? null;
  return copy;
}

describe("catalog properties", () => {
  it("random bytes only ever throw CatalogError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyCatalogErrors(() => parseCatalog(bytes)) || true),
      {
        numRuns: 2000,
      },
    );
  });

  it("random strings and random JSON only ever throw CatalogError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 64 }), fc.json({ maxDepth: 6 })), (input) => {
        onlyCatalogErrors(() => parseCatalog(input));
      }),
      { numRuns: 2000 },
    );
  });

  it("random JSON under the known sections only ever throws CatalogError", () => {
    const section = fc.jsonValue({ maxDepth: 5 });
    fc.assert(
      fc.property(section, section, fc.dictionary(name, section, { maxKeys: 2 }), (video, audio, renditions) => {
        onlyCatalogErrors(() => parseCatalog(JSON.stringify({ video, audio })));
        onlyCatalogErrors(() => parseCatalog(JSON.stringify({ video: { renditions }, audio: { renditions } })));
      }),
      { numRuns: 1000 },
    );
  });

  it("a valid catalog with one field replaced by random JSON only ever throws CatalogError", () => {
    fc.assert(
      fc.property(
        catalog,
        fc.nat(),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        (valid, pick, replacement) => {
          const document = JSON.parse(text(encodeCatalog(valid))) as unknown;
          const all = paths(document);
          if (all.length === 0) return;
          const mutated = JSON.stringify(mutate(document, all[pick % all.length] ?? [], replacement));
          onlyCatalogErrors(() => parseCatalog(mutated));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("encode then parse gives the catalog back, and encoding again the same bytes", () => {
    fc.assert(
      fc.property(catalog, (valid) => {
        const bytes = encodeCatalog(valid);
        const parsed = parseCatalog(bytes);
        expect(parsed).toEqual(valid);
        expect(text(encodeCatalog(parsed))).toBe(text(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("@moq/hang 0.2 and 0.3 accept whatever we write, and 0.2 writes it back byte for byte", () => {
    fc.assert(
      fc.property(catalog, (valid) => {
        const json = text(encodeCatalog(valid));
        expect(JSON.stringify(hang02.RootSchema.parse(JSON.parse(json)))).toBe(json);
        expect(hang03.RootSchema.safeParse(JSON.parse(json)).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  // @moq/hang 0.2 and 0.3 differ: 0.3 requires hex descriptions and keeps unknown container kinds,
  // 0.2 checks the (deprecated) cmaf timescale and trackId. We are as strict as both on the fields'
  // types and as tolerant as 0.3 on container kinds.
  it("with one field replaced by random JSON, we accept exactly what both @moq/hang 0.2 and 0.3 accept, and unknown container kinds", () => {
    fc.assert(
      fc.property(
        catalog,
        fc.nat(),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        (valid, pick, replacement) => {
          const document = JSON.parse(text(encodeCatalog(valid))) as unknown;
          const all = paths(document);
          if (all.length === 0) return;
          const mutated = mutate(document, all[pick % all.length] ?? [], replacement);
          const newer = hang03.RootSchema.safeParse(mutated);
          const older = hang02.RootSchema.safeParse(mutated).success;
          const unknownKind = newer.success && JSON.stringify(newer.data).includes('"kind":"unknown"');
          const ours = onlyCatalogErrors(() => parseCatalog(JSON.stringify(mutated)));
          expect({ ours, mutated }).toEqual({ ours: newer.success && (older || unknownKind), mutated });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
