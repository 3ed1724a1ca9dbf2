import { describe, expect, it } from "vitest";
import { WorkerError } from "./errors.ts";
import { parseRequest } from "./validate.ts";

function rejection(data: unknown): string {
  try {
    parseRequest(data);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).code).toBe("bad-request");
    return (error as WorkerError).message;
  }
  throw new Error("accepted");
}

describe("parseRequest", () => {
  it("accepts every request type with its fields", () => {
    const track = { namespace: ["live", "cam"], name: "video" };
    expect(parseRequest({ type: "subscribe", id: 1, track, priority: 3 })).toEqual({
      type: "subscribe",
      id: 1,
      track,
      priority: 3,
    });
    expect(
      parseRequest({ type: "connect", id: 2, url: "http://127.0.0.1:4443/", liveness: { intervalMs: 0 } }),
    ).toEqual({ type: "connect", id: 2, url: "http://127.0.0.1:4443/", liveness: { intervalMs: 0 } });
    const bytes = new Uint8Array([1, 2]);
    expect(parseRequest({ type: "segment-chunk", segmentId: 4, bytes })).toEqual({
      type: "segment-chunk",
      segmentId: 4,
      bytes,
    });
    expect(parseRequest({ type: "pull-start", id: 5, pullId: 6, trackIds: [1, 2], credit: 1 })).toEqual({
      type: "pull-start",
      id: 5,
      pullId: 6,
      trackIds: [1, 2],
      credit: 1,
    });
    expect(parseRequest({ type: "stats", id: 7, extra: "ignored" })).toEqual({ type: "stats", id: 7 });
  });

  it("names the bad field", () => {
    expect(rejection(null)).toMatch(/a message must be an object/);
    expect(rejection({ type: "nope", id: 1 })).toMatch(/unknown message type "nope"/);
    expect(rejection({ type: "subscribe", id: -1, track: { namespace: ["a"], name: "b" } })).toMatch(/^id /);
    expect(rejection({ type: "subscribe", id: 1, track: { namespace: [], name: "b" } })).toMatch(/track.namespace/);
    expect(rejection({ type: "subscribe", id: 1, track: { namespace: ["a", 3], name: "b" } })).toMatch(
      /track.namespace\[1\]/,
    );
    expect(rejection({ type: "subscribe", id: 1, track: { namespace: ["a"], name: "b" }, priority: 256 })).toMatch(
      /priority/,
    );
    expect(rejection({ type: "segment-chunk", segmentId: 1, bytes: [1, 2] })).toMatch(/bytes must be a Uint8Array/);
    expect(rejection({ type: "pull-start", id: 1, pullId: 1, trackIds: [] })).toMatch(/trackIds/);
    expect(rejection({ type: "pull-start", id: 1, pullId: 1, trackIds: [1], credit: 0 })).toMatch(/credit/);
    expect(rejection({ type: "connect", id: 1, url: "x", certificateHashes: ["zz"] })).toMatch(/certificateHashes/);
    expect(rejection({ type: "connect", id: 1, url: "x", reconnect: { jitter: 2 } })).toMatch(/reconnect.jitter/);
  });
});
