import { describe, expect, it } from "vitest";
import { WorkerError } from "./errors.ts";
import { type Fetcher, resolveRelay, toCertificateHashes } from "./relay-url.ts";

const HASH = "ab".repeat(32);

function serving(body: string, status = 200): Fetcher & { asked: string[] } {
  const asked: string[] = [];
  const fetcher = async (url: string) => {
    asked.push(url);
    return { ok: status === 200, status, text: async () => body };
  };
  return Object.assign(fetcher, { asked });
}

async function failure(promise: Promise<unknown>): Promise<WorkerError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkerError);
    return error as WorkerError;
  }
  throw new Error("resolved");
}

describe("resolveRelay", () => {
  it("connects to an https URL as given, with the hashes passed in", async () => {
    const fetcher = serving(HASH);
    expect(await resolveRelay("https://relay.example:443/moq", [], fetcher)).toEqual({
      url: "https://relay.example/moq",
      certificateHashes: [],
    });
    expect(fetcher.asked).toEqual([]);
  });

  it("fetches /certificate.sha256 for an http URL and pins it on the https URL", async () => {
    const fetcher = serving(`${HASH.toUpperCase()}\n`);
    expect(await resolveRelay("http://127.0.0.1:4443/live", [], fetcher)).toEqual({
      url: "https://127.0.0.1:4443/live",
      certificateHashes: [HASH],
    });
    expect(fetcher.asked).toEqual(["http://127.0.0.1:4443/certificate.sha256"]);
  });

  it("refuses bad URLs and bad or missing hashes with typed errors", async () => {
    expect((await failure(resolveRelay("not a url"))).code).toBe("bad-request");
    expect((await failure(resolveRelay("ftp://x/"))).code).toBe("bad-request");
    expect((await failure(resolveRelay("http://x:1/", [], serving("nope")))).code).toBe("connect-failed");
    expect((await failure(resolveRelay("http://x:1/", [], serving(HASH, 404)))).message).toMatch(/HTTP 404/);
  });

  it("turns hex hashes into WebTransport's form", () => {
    const [hash] = toCertificateHashes(["00ff10"]);
    expect(hash?.algorithm).toBe("sha-256");
    expect([...(hash?.value ?? [])]).toEqual([0, 255, 16]);
  });
});
