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
    // A lone surrogate would go out as U+FFFD, the name of another track the worker keeps apart.
    expect(rejection({ type: "subscribe", id: 1, track: { namespace: ["a"], name: "v\uD800" } })).toMatch(
      /track.name is not well-formed Unicode/,
    );
    expect(rejection({ type: "subscribe", id: 1, track: { namespace: ["\uDFFF"], name: "v" } })).toMatch(
      /track.namespace\[0\]/,
    );
    expect(rejection({ type: "subscribe", id: 1, track: { namespace: ["a"], name: "b" }, priority: 256 })).toMatch(
      /priority/,
    );
    expect(rejection({ type: "segment-chunk", segmentId: 1, bytes: [1, 2] })).toMatch(/bytes must be a Uint8Array/);
    expect(rejection({ type: "pull-start", id: 1, pullId: 1, trackIds: [] })).toMatch(/trackIds/);
    expect(rejection({ type: "pull-start", id: 1, pullId: 1, trackIds: [1], credit: 0 })).toMatch(/credit/);
    expect(rejection({ type: "connect", id: 1, url: "x", certificateHashes: ["zz"] })).toMatch(/certificateHashes/);
    expect(rejection({ type: "connect", id: 1, url: "x", knownCertificateHashes: "a".repeat(64) })).toMatch(
      /knownCertificateHashes must be up to 16 hex SHA-256 hashes/,
    );
    expect(rejection({ type: "connect", id: 1, url: "x", reconnect: { jitter: 2 } })).toMatch(/reconnect.jitter/);
  });

  it("checks media-publish: transferred streams, codecs and bounds, naming the field", () => {
    const frames = new ReadableStream();
    const audioFrames = new ReadableStream();
    const request = {
      type: "media-publish",
      id: 9,
      namespace: ["demo", "cam"],
      ttlMs: 2000,
      video: { frames, codecs: ["vp8"], width: 640, height: 480, frameRate: 30, keyFrameIntervalMs: 1000 },
      audio: { frames: audioFrames, bitrate: 32_000, frameDurationMs: 20 },
    };
    const parsed = parseRequest(request);
    expect(parsed).toEqual(request);
    expect(parsed.type === "media-publish" && parsed.video?.frames).toBe(frames);
    expect(parseRequest({ type: "media-publish", id: 1, namespace: ["a"], ttlMs: 500, audio: { frames } })).toEqual({
      type: "media-publish",
      id: 1,
      namespace: ["a"],
      ttlMs: 500,
      audio: { frames },
    });
    expect(parseRequest({ type: "media-stop", id: 3 })).toEqual({ type: "media-stop", id: 3 });

    const media = (extra: object) => ({ type: "media-publish", id: 1, namespace: ["a"], ttlMs: 2000, ...extra });
    expect(rejection(media({}))).toMatch(/needs video or audio/);
    expect(rejection(media({ video: { frames: [] } }))).toMatch(/video\.frames must be a ReadableStream/);
    expect(rejection(media({ audio: { frames: {} } }))).toMatch(/audio\.frames/);
    expect(rejection(media({ video: { frames, codecs: ["has space"] } }))).toMatch(/video\.codecs\[0\]/);
    expect(rejection(media({ video: { frames, codecs: [] } }))).toMatch(/video\.codecs/);
    expect(rejection(media({ video: { frames, width: 8 } }))).toMatch(/video\.width/);
    expect(rejection(media({ video: { frames, frameRate: 0 } }))).toMatch(/video\.frameRate/);
    expect(rejection(media({ video: { frames, bitrate: 1.5 } }))).toMatch(/video\.bitrate/);
    expect(rejection(media({ video: { frames, keyFrameIntervalMs: 10 } }))).toMatch(/video\.keyFrameIntervalMs/);
    expect(rejection(media({ audio: { frames, frameDurationMs: 40 } }))).toMatch(/audio\.frameDurationMs/);
    expect(rejection(media({ audio: { frames, bitrate: 1 } }))).toMatch(/audio\.bitrate/);
    expect(rejection(media({ namespace: [], audio: { frames } }))).toMatch(/^namespace/);
    expect(rejection(media({ namespace: ["a", ""], audio: { frames } }))).toMatch(/namespace\[1\]/);
    expect(rejection(media({ ttlMs: undefined, audio: { frames } }))).toMatch(/ttlMs/);
  });
});
