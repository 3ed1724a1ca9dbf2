// TRACK_STATUS (0xD), TRACK_STATUS_OK (0xE) and TRACK_STATUS_ERROR (0xF): the same wire formats as
// SUBSCRIBE, SUBSCRIBE_OK and SUBSCRIBE_ERROR.
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import type { Reader } from "./reader.ts";
import {
  type Fields,
  readRequestErrorFields,
  readSubscribeFields,
  readSubscribeOkFields,
  type Subscribe,
  type SubscribeError,
  type SubscribeOk,
  writeRequestErrorFields,
  writeSubscribeFields,
  writeSubscribeOkFields,
} from "./subscribe.ts";
import type { Writer } from "./writer.ts";

export interface TrackStatus extends Fields<Subscribe> {
  kind: "track_status";
}

/** Track Alias is 0 in a TRACK_STATUS_OK. */
export interface TrackStatusOk extends Fields<SubscribeOk> {
  kind: "track_status_ok";
}

export interface TrackStatusError extends Fields<SubscribeError> {
  kind: "track_status_error";
}

export function encodeTrackStatus(w: Writer, m: TrackStatus): void {
  writeSubscribeFields(w, m);
}

export function decodeTrackStatus(r: Reader, limits: WireLimits = DEFAULT_LIMITS): TrackStatus {
  return { kind: "track_status", ...readSubscribeFields(r, limits) };
}

export function encodeTrackStatusOk(w: Writer, m: TrackStatusOk): void {
  writeSubscribeOkFields(w, m);
}

export function decodeTrackStatusOk(r: Reader, limits: WireLimits = DEFAULT_LIMITS): TrackStatusOk {
  return { kind: "track_status_ok", ...readSubscribeOkFields(r, limits) };
}

export function encodeTrackStatusError(w: Writer, m: TrackStatusError): void {
  writeRequestErrorFields(w, m);
}

export function decodeTrackStatusError(r: Reader, limits: WireLimits = DEFAULT_LIMITS): TrackStatusError {
  return { kind: "track_status_error", ...readRequestErrorFields(r, limits) };
}
