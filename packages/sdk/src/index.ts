export * from "./cache/index.ts";
export * as wire from "./wire/index.ts";
export * from "./session/index.ts";
