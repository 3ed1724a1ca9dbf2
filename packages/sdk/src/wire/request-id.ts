// MAX_REQUEST_ID (0x15) and REQUESTS_BLOCKED (0x1A).
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

export interface MaxRequestId {
  kind: "max_request_id";
  /** The new Maximum Request ID plus 1, as on the wire. */
  requestId: number;
}

export interface RequestsBlocked {
  kind: "requests_blocked";
  maximumRequestId: number;
}

export function encodeMaxRequestId(w: Writer, m: MaxRequestId): void {
  w.varint(m.requestId);
}

export function decodeMaxRequestId(r: Reader): MaxRequestId {
  return { kind: "max_request_id", requestId: r.varint("request ID") };
}

export function encodeRequestsBlocked(w: Writer, m: RequestsBlocked): void {
  w.varint(m.maximumRequestId);
}

export function decodeRequestsBlocked(r: Reader): RequestsBlocked {
  return { kind: "requests_blocked", maximumRequestId: r.varint("maximum request ID") };
}
