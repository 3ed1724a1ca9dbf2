// The SDK's public surface: the subpaths in package.json "exports", each an index.ts with an explicit
// export list, the same subpaths in the Deno import map (deno.json "imports"), test helpers kept out of
// src/, and no code outside the SDK reaching into it by a relative path to its sources.
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SDK = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(SDK, "..", "..");
const packageJson = JSON.parse(readFileSync(join(SDK, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, string>;
};
const denoImports = (JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { imports: Record<string, string> })
  .imports;
const subpaths = Object.entries(packageJson.exports);

/** Names (not types) an index exports, read from its `export { ... } from` lists and `export * as`. */
function runtimeNames(source: string): string[] {
  const names: string[] = [];
  for (const [, typeOnly, list = ""] of source.matchAll(/^export\s+(type\s+)?\{([^}]*)\}\s+from\s/gm)) {
    if (typeOnly) continue;
    for (const item of list.split(",").map((part) => part.trim())) {
      if (item === "" || item.startsWith("type ")) continue;
      names.push(item.split(/\s+as\s+/).pop() ?? item);
    }
  }
  for (const [, name = ""] of source.matchAll(/^export\s+\*\s+as\s+(\w+)\s+from\s/gm)) names.push(name);
  return names.sort();
}

/** Names the relay, the benchmarks and the e2e pages import through each subpath: they must stay public. */
const REQUIRED: Record<string, string[]> = {
  ".": ["createTrack", "connect", "accept", "Session", "wire"],
  "./cache": ["createTrack", "CacheError", "TrackPublisher", "TrackSubscriber"],
  "./session": ["accept", "connect", "startClientSession", "describeNamespace", "describeTrack", "fullTrackKey"],
  "./wire": ["concatBytes", "encodeVarint", "readVarint", "varintLength", "varintLengthFromFirstByte", "writeVarint"],
};

describe("package.json exports", () => {
  it("has the main entry and the core subpaths", () => {
    expect(Object.keys(packageJson.exports)).toEqual(expect.arrayContaining([".", "./cache", "./wire", "./session"]));
  });

  it("lists every src/<folder>/index.ts as a subpath", () => {
    const folders = readdirSync(join(SDK, "src"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(SDK, "src", entry.name, "index.ts")))
      .map((entry) => `./${entry.name}`);
    for (const folder of folders) expect(packageJson.exports, folder).toHaveProperty([folder]);
  });

  for (const [subpath, target] of subpaths) {
    const specifier = `${packageJson.name}${subpath.slice(1)}`;
    const file = join(SDK, target);

    describe(specifier, () => {
      it("points at an index.ts that exists", () => {
        expect(target).toMatch(/^\.\/src\/([\w-]+\/)?index\.ts$/);
        expect(existsSync(file)).toBe(true);
      });

      it("resolves to that file (Node's resolution: tsx and Vite follow the same exports)", () => {
        const resolved = createRequire(import.meta.url).resolve(specifier);
        expect(realpathSync(resolved)).toBe(realpathSync(file));
      });

      it("maps to the same file in the Deno import map", () => {
        expect(denoImports[specifier], `deno.json imports["${specifier}"]`).toBe(`./${relative(ROOT, file)}`);
      });

      it("lists its exports by name (no `export *` but a namespace)", () => {
        const source = readFileSync(file, "utf8");
        expect(source).not.toMatch(/^export\s+\*\s+from\s/m);
        expect(source).not.toMatch(/^export\s+(const|let|var|function|class|async|enum|default)\b/m);
      });

      it("exports at run time exactly the names it lists", async () => {
        const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
        const listed = runtimeNames(readFileSync(file, "utf8"));
        expect(Object.keys(module).sort()).toEqual(listed);
        expect(listed).toEqual(expect.arrayContaining(REQUIRED[subpath] ?? []));
      });
    });
  }

  it("re-exports from the main entry every value of ./cache and ./session (kept in step with them)", async () => {
    const main = Object.keys(await import("@moqkit/sdk"));
    const core = [
      ...Object.keys(await import("@moqkit/sdk/cache")),
      ...Object.keys(await import("@moqkit/sdk/session")),
    ].filter((name) => !["describeNamespace", "describeTrack", "fullTrackKey"].includes(name));
    expect(main).toEqual(expect.arrayContaining(core));
  });

  it("has nothing in the Deno import map that package.json does not export, except the test-only prefix", () => {
    const extra = Object.keys(denoImports).filter(
      (key) => key.startsWith("@moqkit/") && !subpaths.some(([subpath]) => key === `@moqkit/sdk${subpath.slice(1)}`),
    );
    expect(extra).toEqual(["@moqkit/sdk-test/"]);
    expect(denoImports["@moqkit/sdk-test/"]).toBe("./packages/sdk/test/");
  });
});

/** Files under `dir` (relative to the repository) with one of `extensions`, skipping node_modules and builds. */
function sourceFiles(dir: string, extensions = [".ts", ".mts", ".js", ".mjs", ".html"]): string[] {
  const path = join(ROOT, dir);
  if (!existsSync(path)) return [];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) return [];
    const child = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(child, extensions);
    return extensions.some((extension) => entry.name.endsWith(extension)) ? [child] : [];
  });
}

/** Every module specifier in `text`: static and dynamic imports, re-exports, `new URL(..., import.meta.url)`. */
function specifiers(text: string): string[] {
  const patterns = [
    /\bfrom\s*["'`]([^"'`]+)["'`]/g,
    /\bimport\s*\(\s*["'`]([^"'`]+)["'`]/g,
    /\bimport\s*["'`]([^"'`]+)["'`]/g,
    /\bnew\s+URL\(\s*["'`]([^"'`]+)["'`]/g,
    /\bsrc\s*=\s*["']([^"']+)["']/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] ?? ""));
}

describe("test helpers", () => {
  const sdkSources = sourceFiles("packages/sdk/src", [".ts"]);

  it("live outside src/", () => {
    const helpers = sdkSources.filter((file) => /(^|\/)test-(helpers|bytes)\.ts$/.test(file));
    expect(helpers).toEqual([]);
  });

  it("are imported by no shipped src/ module", () => {
    const offenders = sdkSources
      .filter((file) => !file.endsWith(".test.ts"))
      .filter((file) =>
        specifiers(readFileSync(join(ROOT, file), "utf8")).some((specifier) =>
          /(^|[/-])test-(helpers|bytes)(\.ts)?$|\/test\/|^@moqkit\/sdk-test\//.test(specifier),
        ),
      );
    expect(offenders).toEqual([]);
  });
});

describe("code outside the SDK imports it by its package name", () => {
  const outside = ["packages/relay", "bench", "e2e", "examples"].flatMap((dir) => sourceFiles(dir));

  it("has files to check", () => {
    expect(outside).toEqual(expect.arrayContaining(["packages/relay/src/main.ts", "bench/cache.ts"]));
  });

  it("never through a relative path into the SDK's sources or tests", () => {
    const offenders = outside.flatMap((file) =>
      specifiers(readFileSync(join(ROOT, file), "utf8"))
        .filter((specifier) => /(^|\/)sdk\/(src|test)(\/|$)/.test(specifier))
        .map((specifier) => `${file}: ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it("reaches the SDK's test helpers (@moqkit/sdk-test/) from test files only (the relay's fuzzer is one)", () => {
    const offenders = outside.filter(
      (file) =>
        !/(^|[/.-])test[\w.-]*\.ts$/.test(file) &&
        !file.startsWith("packages/relay/stress/") &&
        specifiers(readFileSync(join(ROOT, file), "utf8")).some((specifier) =>
          specifier.startsWith("@moqkit/sdk-test/"),
        ),
    );
    expect(offenders).toEqual([]);
  });
});
