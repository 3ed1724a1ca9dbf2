// CLIENT_SETUP (0x20) and SERVER_SETUP (0x21).
import { violation } from "./error.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { readParameters, writeParameters } from "./parameters.ts";
import type { Reader } from "./reader.ts";
import type { Parameter } from "./types.ts";
import type { Writer } from "./writer.ts";

export interface ClientSetup {
  kind: "client_setup";
  versions: number[];
  /** Setup parameters (SetupParameter). */
  parameters: Parameter[];
}

export interface ServerSetup {
  kind: "server_setup";
  version: number;
  parameters: Parameter[];
}

export function encodeClientSetup(w: Writer, m: ClientSetup): void {
  w.varint(m.versions.length);
  for (const version of m.versions) w.varint(version);
  writeParameters(w, m.parameters);
}

export function decodeClientSetup(r: Reader, limits: WireLimits = DEFAULT_LIMITS): ClientSetup {
  const count = r.varint("number of supported versions");
  if (count > limits.maxVersions) throw violation(`${count} versions exceed the limit of ${limits.maxVersions}`);
  const versions: number[] = [];
  for (let i = 0; i < count; i++) versions.push(r.varint("supported version"));
  return { kind: "client_setup", versions, parameters: readParameters(r, limits) };
}

export function encodeServerSetup(w: Writer, m: ServerSetup): void {
  w.varint(m.version);
  writeParameters(w, m.parameters);
}

export function decodeServerSetup(r: Reader, limits: WireLimits = DEFAULT_LIMITS): ServerSetup {
  const version = r.varint("selected version");
  return { kind: "server_setup", version, parameters: readParameters(r, limits) };
}
