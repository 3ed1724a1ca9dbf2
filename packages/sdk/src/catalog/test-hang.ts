// Tests only (Node): loads moq-dev's @moq/hang from node_modules, the copy each peer package uses,
// so our container and catalog can be checked against the peer's own code.
import { readFileSync, realpathSync } from "node:fs";
import { register } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** @moq/hang is built for bundlers: some of its relative imports lack the ".js" Node needs. */
const RESOLVE_HOOK = `export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const bare = specifier.startsWith(".") && !/\\.[cm]?js$/.test(specifier);
    if (bare && context.parentURL?.includes("/node_modules/.pnpm/@moq+")) return next(specifier + ".js", context);
    throw error;
  }
}`;

let hookRegistered = false;

/** Which peer's @moq/hang: @moq/publish 0.2.17 uses 0.2.x, @moq/watch 0.4.6 uses 0.3.x. */
export type HangUser = "@moq/publish" | "@moq/watch";

export interface ZodLike {
  parse(value: unknown): unknown;
  safeParse(value: unknown): { success: boolean; data?: unknown; error?: unknown };
}

export interface HangCatalogModule {
  RootSchema: ZodLike;
}

export interface HangLegacyModule {
  encodeFrame(source: Uint8Array, timestamp: number): Uint8Array;
  Format: new () => {
    decode(frame: Uint8Array): { timestamp: number; keyframe: boolean; data?: Uint8Array; payload?: Uint8Array }[];
  };
}

function hangDir(user: HangUser): string {
  return join(dirname(realpathSync(`node_modules/${user}/package.json`)), "..", "hang");
}

/** The version of the @moq/hang that `user` depends on. */
export function hangVersion(user: HangUser): string {
  const json: unknown = JSON.parse(readFileSync(join(hangDir(user), "package.json"), "utf8"));
  if (typeof json === "object" && json !== null && "version" in json && typeof json.version === "string") {
    return json.version;
  }
  throw new Error("@moq/hang package.json has no version");
}

async function load(user: HangUser, file: string): Promise<unknown> {
  if (!hookRegistered) {
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    hookRegistered = true;
  }
  return import(pathToFileURL(join(hangDir(user), file)).href);
}

export async function loadHangCatalog(user: HangUser): Promise<HangCatalogModule> {
  return (await load(user, "catalog/index.js")) as HangCatalogModule;
}

export async function loadHangLegacy(user: HangUser): Promise<HangLegacyModule> {
  return (await load(user, "container/legacy.js")) as HangLegacyModule;
}
