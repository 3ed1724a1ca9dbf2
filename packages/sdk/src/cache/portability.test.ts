// Rule 8: the cache runs unchanged in a browser worker, in Node and in Deno, so its modules may use
// only web-standard APIs. (The e2e suite also runs it inside a real browser Worker.)
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const sources = readdirSync(new URL(".", import.meta.url))
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && file !== "test-helpers.ts")
  .map((file) => ({ file, text: readFileSync(new URL(file, import.meta.url), "utf8") }));

/** Globals that exist in Node or on a page but not in every one of a worker, Node and Deno. */
const NON_STANDARD = ["process", "Buffer", "require", "setImmediate", "window", "document", "__dirname", "global"];

describe("the cache's portability", () => {
  it("has sources to check", () => {
    expect(sources.map((source) => source.file)).toEqual(expect.arrayContaining(["track.ts", "segment.ts"]));
  });

  for (const { file, text } of sources) {
    it(`${file} imports only its siblings`, () => {
      const imports = [...text.matchAll(/from\s+"([^"]+)"/g)].map((match) => match[1]);
      for (const specifier of imports) expect(specifier).toMatch(/^\.\/[\w-]+\.ts$/);
    });

    it(`${file} uses no Node or page globals`, () => {
      const code = text.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
      for (const name of NON_STANDARD) expect(code).not.toMatch(new RegExp(`(?<![\\w.#])${name}\\b(?!:)`));
    });
  }
});
