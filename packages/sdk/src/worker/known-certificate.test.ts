// A local (http://) relay's certificate hash, fetched by the first client on a page, is tried first
// by the next ones without fetching it again; when the relay has a new certificate the known hash
// fails, and the worker fetches the new one and connects with it.
import { afterEach, describe, expect, it } from "vitest";
import { type Session, type SessionOptions, startClientSession, startServerSession } from "../session/index.ts";
import { createTransportPair } from "../session/mock-transport.ts";
import { WorkerClient } from "./client.ts";
import type { ResolvedRelay } from "./relay-url.ts";

const OLD = "a".repeat(64);
const NEW = "b".repeat(64);

/** A relay whose certificate is `current.hash`: a connection pinning another hash fails its handshake. */
function relay(hash: string) {
  const current = { hash };
  const fetched: string[] = [];
  const attempts: string[][] = [];
  const servers: Session[] = [];
  return {
    current,
    fetched,
    attempts,
    fetch: async (url: string) => {
      fetched.push(url);
      return { ok: true, status: 200, text: async () => current.hash };
    },
    connect: async (resolved: ResolvedRelay, options: SessionOptions): Promise<Session> => {
      attempts.push(resolved.certificateHashes);
      if (!resolved.certificateHashes.includes(current.hash)) throw new Error("Opening handshake failed.");
      const [clientEnd, serverEnd] = createTransportPair();
      const [client, server] = await Promise.all([
        startClientSession(clientEnd, options),
        startServerSession(serverEnd, {}),
      ]);
      servers.push(server);
      return client;
    },
  };
}

const clients: WorkerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
});

async function connect(upstream: ReturnType<typeof relay>, url: string, hashes?: string[]): Promise<WorkerClient> {
  const client = WorkerClient.inline({ fetch: upstream.fetch, connect: upstream.connect });
  clients.push(client);
  await client.connect(url, {
    liveness: { intervalMs: 0 },
    reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    ...(hashes === undefined ? {} : { certificateHashes: hashes }),
  });
  return client;
}

describe("a local relay's certificate hash, learned once per page", () => {
  it("is fetched by the first client only; the next ones pin it at once", async () => {
    const upstream = relay(OLD);
    await connect(upstream, "http://relay-a.test:4443/");
    expect(upstream.fetched).toEqual(["http://relay-a.test:4443/certificate.sha256"]);
    await connect(upstream, "http://relay-a.test:4443/other");
    await connect(upstream, "http://relay-a.test:4443/");
    expect(upstream.fetched).toHaveLength(1);
    expect(upstream.attempts).toEqual([[OLD], [OLD], [OLD]]);
  });

  it("is fetched anew when the relay's certificate changed, and the new one is remembered", async () => {
    const upstream = relay(OLD);
    await connect(upstream, "http://relay-b.test:4443/");
    upstream.current.hash = NEW; // the relay restarted with a new certificate
    const client = await connect(upstream, "http://relay-b.test:4443/");
    expect(client.state.state).toBe("connected");
    expect(upstream.attempts).toEqual([[OLD], [OLD], [NEW]]);
    expect(upstream.fetched).toHaveLength(2);
    await connect(upstream, "http://relay-b.test:4443/");
    expect(upstream.attempts.at(-1)).toEqual([NEW]);
    expect(upstream.fetched).toHaveLength(2);
  });

  it("is per origin, and never used for an https:// URL or when hashes are given", async () => {
    const upstream = relay(OLD);
    await connect(upstream, "http://relay-c.test:4443/");
    await connect(upstream, "http://relay-c.test:4444/"); // another port: another relay
    expect(upstream.fetched).toHaveLength(2);
    await connect(upstream, "https://relay-c.test:4443/", [OLD]);
    await connect(upstream, "http://relay-c.test:4443/", [OLD]);
    expect(upstream.fetched).toHaveLength(2);
    // An https:// URL without hashes gets the browser's own checks: nothing pinned, nothing learned.
    upstream.current.hash = "";
    await expect(connect(upstream, "https://relay-c.test:4443/")).rejects.toThrow();
    expect(upstream.attempts.at(-1)).toEqual([]);
  });
});
