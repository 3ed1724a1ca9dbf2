export * from "./cache/index.ts";
export * from "./session/index.ts";
export * as wire from "./wire/index.ts";
