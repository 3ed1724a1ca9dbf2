// The catalog writes bytes (decoder descriptions) as hex.

import { CatalogError } from "./error.ts";
import { isHex } from "./json.ts";

/** The bytes `hex` spells (pairs of hex digits, either case). Throws CatalogError `invalid-field` otherwise. */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  if (typeof hex !== "string" || !isHex(hex)) throw new CatalogError("invalid-field", "expected hex digits in pairs");
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** `bytes` as lowercase hex. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
