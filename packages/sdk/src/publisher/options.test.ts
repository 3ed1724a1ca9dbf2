import { describe, expect, it } from "vitest";
import { WorkerError } from "../worker/errors.ts";
import { PublisherError } from "./errors.ts";
import { checkOptions, namespaceOf } from "./options.ts";
import { toPublisherError } from "./publisher.ts";

function rejection(options: unknown): string {
  try {
    checkOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(PublisherError);
    expect((error as PublisherError).code).toBe("bad-argument");
    return (error as PublisherError).message;
  }
  throw new Error("accepted");
}

const base = { relay: "http://127.0.0.1:4443/", name: "demo/cam" };

describe("checkOptions", () => {
  it("accepts the minimal options and full ones", () => {
    expect(checkOptions(base)).toBe(base);
    const full = {
      ...base,
      certificateHashes: ["ab".repeat(32)],
      video: { codecs: ["vp8"], width: 1280, height: 720, frameRate: 30, bitrate: 2_000_000, keyFrameIntervalMs: 500 },
      audio: { bitrate: 64_000, frameDurationMs: 10 },
      ttlMs: 3000,
    };
    expect(checkOptions(full)).toBe(full);
    expect(checkOptions({ ...base, audio: false })).toMatchObject({ audio: false });
  });

  it("names the bad field", () => {
    expect(rejection(undefined)).toMatch(/options/);
    expect(rejection({ ...base, relay: "ws://x/" })).toMatch(/relay/);
    expect(rejection({ ...base, name: "a//b" })).toMatch(/name/);
    expect(rejection({ ...base, name: 3 })).toMatch(/name/);
    expect(rejection({ ...base, certificateHashes: ["zz"] })).toMatch(/certificateHashes/);
    expect(rejection({ ...base, video: { width: 3 } })).toMatch(/video\.width/);
    expect(rejection({ ...base, video: { codecs: [] } })).toMatch(/video\.codecs/);
    expect(rejection({ ...base, video: { keyFrameIntervalMs: 1.5 } })).toMatch(/video\.keyFrameIntervalMs/);
    expect(rejection({ ...base, video: "yes" })).toMatch(/video/);
    expect(rejection({ ...base, audio: { frameDurationMs: 40 } })).toMatch(/audio\.frameDurationMs/);
    expect(rejection({ ...base, video: false, audio: false })).toMatch(/nothing to publish/);
    expect(rejection({ ...base, ttlMs: 500 })).toMatch(/ttlMs/);
    expect(rejection({ ...base, stream: {} })).toMatch(/stream/);
    expect(rejection({ ...base, preview: {} })).toMatch(/preview/);
  });

  it("turns the broadcast path into the namespace", () => {
    expect(namespaceOf("a/b/name.hang")).toEqual(["a", "b", "name.hang"]);
  });
});

describe("toPublisherError", () => {
  it("maps the worker's codes to what the page can act on", () => {
    expect(toPublisherError(new WorkerError("no-codec", "x")).code).toBe("no-codec");
    expect(toPublisherError(new WorkerError("connect-failed", "could not fetch")).code).toBe("relay-unreachable");
    expect(toPublisherError(new WorkerError("connect-failed", "ERR_CERT_AUTHORITY_INVALID")).code).toBe(
      "certificate-rejected",
    );
    expect(toPublisherError(new WorkerError("bad-request", "x")).code).toBe("bad-argument");
    expect(toPublisherError(new Error("boom")).code).toBe("failed");
  });
});
