// HTTP/3 SETTINGS (RFC 9114 section 7.2.4) with the extensions WebTransport needs.
import { readVarint, varintLength, writeVarint } from "@moqkit/sdk/wire";
import { H3, H3ConnectionError } from "./errors.ts";

export const Setting = {
  QPACK_MAX_TABLE_CAPACITY: 0x01,
  MAX_FIELD_SECTION_SIZE: 0x06,
  QPACK_BLOCKED_STREAMS: 0x07,
  /** RFC 8441/9220: extended CONNECT. */
  ENABLE_CONNECT_PROTOCOL: 0x08,
  /** RFC 9297. */
  H3_DATAGRAM: 0x33,
  /** WebTransport draft-02 (what Chromium still checks for). */
  ENABLE_WEBTRANSPORT: 0x2b603742,
  /** WebTransport draft-07+. */
  WEBTRANSPORT_MAX_SESSIONS_DRAFT07: 0xc671706a,
  /** WebTransport draft-09+. */
  WT_MAX_SESSIONS: 0x14e9cd29,
} as const;

/** HTTP/2 setting identifiers that HTTP/3 forbids. */
const HTTP2_ONLY = new Set([0x02, 0x03, 0x04, 0x05]);

export type Settings = Map<number, number>;

export function encodeSettings(settings: Settings): Uint8Array {
  let size = 0;
  for (const [id, value] of settings) size += varintLength(id) + varintLength(value);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const [id, value] of settings) {
    offset = writeVarint(out, offset, id);
    offset = writeVarint(out, offset, value);
  }
  return out;
}

/** Decodes a SETTINGS payload; duplicates, HTTP/2-only ids and truncation are H3_SETTINGS_ERROR. */
export function decodeSettings(payload: Uint8Array): Settings {
  const settings: Settings = new Map();
  let offset = 0;
  while (offset < payload.length) {
    const id = readVarint(payload, offset);
    const value = id && readVarint(payload, id.next);
    if (id === undefined || value === undefined) throw new H3ConnectionError(H3.FRAME_ERROR, "truncated SETTINGS");
    if (HTTP2_ONLY.has(id.value)) {
      throw new H3ConnectionError(H3.SETTINGS_ERROR, `setting 0x${id.value.toString(16)} is HTTP/2 only`);
    }
    if (settings.has(id.value)) {
      throw new H3ConnectionError(H3.SETTINGS_ERROR, `setting 0x${id.value.toString(16)} appears twice`);
    }
    settings.set(id.value, value.value);
    offset = value.next;
  }
  return settings;
}
