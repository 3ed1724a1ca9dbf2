// PUBLISH_DONE (0xB).
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import type { Reader } from "./reader.ts";
import { readReason, writeReason } from "./types.ts";
import type { Writer } from "./writer.ts";

export interface PublishDone {
  kind: "publish_done";
  requestId: number;
  /** A PublishDoneCode. */
  statusCode: number;
  /** Data streams opened for the subscription; MAX_VARINT when unknown (2^62 - 1 on the wire). */
  streamCount: number;
  reason: string;
}

export function encodePublishDone(w: Writer, m: PublishDone): void {
  w.varint(m.requestId).varint(m.statusCode).varint(m.streamCount);
  writeReason(w, m.reason);
}

export function decodePublishDone(r: Reader, limits: WireLimits = DEFAULT_LIMITS): PublishDone {
  const requestId = r.varint("request ID");
  const statusCode = r.varint("status code");
  const streamCount = r.varint("stream count");
  return { kind: "publish_done", requestId, statusCode, streamCount, reason: readReason(r, limits) };
}
