import { describe, expect, it } from "vitest";
import { WorkerError } from "../worker/errors.ts";
import { PublisherError } from "./errors.ts";
import { toPublisherError } from "./publisher.ts";

describe("toPublisherError", () => {
  it("says what to do: each worker failure as the publisher's typed error", () => {
    const code = (error: unknown) => toPublisherError(error).code;
    expect(code(new WorkerError("no-codec", "none of vp8 encodes here"))).toBe("no-codec");
    expect(code(new WorkerError("bad-request", "ttlMs must be …"))).toBe("bad-argument");
    // The local relay's certificate endpoint is not there: the relay is not running, not a bad certificate.
    expect(
      code(
        new WorkerError("connect-failed", "could not fetch http://127.0.0.1:4443/certificate.sha256: Failed to fetch"),
      ),
    ).toBe("relay-unreachable");
    expect(code(new WorkerError("connect-failed", "net::ERR_QUIC_PROTOCOL_ERROR"))).toBe("relay-unreachable");
    expect(code(new WorkerError("connect-failed", "WebTransport: certificate hash mismatch"))).toBe(
      "certificate-rejected",
    );
    const given = new PublisherError("no-camera", "no camera");
    expect(toPublisherError(given)).toBe(given);
  });
});
