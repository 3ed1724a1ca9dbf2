// HTTP/3 frames (RFC 9114 section 7) and the stream type prefixes HTTP/3 and WebTransport use.
import { concatBytes, encodeVarint, varintLength, writeVarint } from "@moqkit/sdk/wire";
import type { ByteReader } from "./byte-reader.ts";
import { H3, H3ConnectionError } from "./errors.ts";

export { concatBytes };

export const FrameType = {
  DATA: 0x00,
  HEADERS: 0x01,
  CANCEL_PUSH: 0x03,
  SETTINGS: 0x04,
  PUSH_PROMISE: 0x05,
  GOAWAY: 0x07,
  MAX_PUSH_ID: 0x0d,
  /** WebTransport: the rest of this bidirectional stream belongs to a session (not a real frame). */
  WEBTRANSPORT_STREAM: 0x41,
} as const;

/** HTTP/2 frame types that HTTP/3 reserves: receiving one is a connection error. */
const HTTP2_ONLY = new Set([0x02, 0x06, 0x08, 0x09]);

export const StreamType = {
  CONTROL: 0x00,
  PUSH: 0x01,
  QPACK_ENCODER: 0x02,
  QPACK_DECODER: 0x03,
  /** WebTransport unidirectional stream, followed by the session id. */
  WEBTRANSPORT: 0x54,
} as const;

export interface FrameHeader {
  type: number;
  length: number;
}

/** Encodes a whole frame: type, length, payload. */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintLength(type) + varintLength(payload.length) + payload.length);
  let offset = writeVarint(out, 0, type);
  offset = writeVarint(out, offset, payload.length);
  out.set(payload, offset);
  return out;
}

/** A stream-type or session-id prefix: varints back to back. */
export function encodePrefix(...values: number[]): Uint8Array {
  return concatBytes(...values.map(encodeVarint));
}

/**
 * Reads the next frame header; `undefined` at a clean end of stream between frames.
 * A stream that ends inside a header is H3_FRAME_ERROR; an HTTP/2-only type is H3_FRAME_UNEXPECTED.
 */
export async function readFrameHeader(reader: ByteReader): Promise<FrameHeader | undefined> {
  const type = await reader.varint();
  if (type === undefined) return undefined;
  const length = await reader.varint();
  if (length === undefined) throw new H3ConnectionError(H3.FRAME_ERROR, "stream ended inside a frame header");
  if (HTTP2_ONLY.has(type)) {
    throw new H3ConnectionError(H3.FRAME_UNEXPECTED, `frame type 0x${type.toString(16)} is reserved (HTTP/2 only)`);
  }
  return { type, length };
}

/** Reads a frame's payload whole, refusing lengths over `limit` before allocating anything. */
export async function readFramePayload(reader: ByteReader, header: FrameHeader, limit: number): Promise<Uint8Array> {
  if (header.length > limit) {
    throw new H3ConnectionError(
      H3.EXCESSIVE_LOAD,
      `frame type 0x${header.type.toString(16)} of ${header.length} bytes exceeds the limit of ${limit}`,
    );
  }
  const payload = await reader.bytes(header.length);
  if (payload === undefined) throw new H3ConnectionError(H3.FRAME_ERROR, "stream ended inside a frame");
  return payload;
}
