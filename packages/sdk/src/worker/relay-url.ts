// Where to connect and which certificate to trust. `https://host:port/path` connects as given (the
// browser's usual certificate checks, or the hashes passed in). `http://host:port/path` is moq-dev's
// convention for a local relay with a self-signed certificate: fetch `http://host:port/certificate.sha256`,
// then connect to `https://host:port/path` pinning that hash. A relay restarted with a new certificate
// is found again because every reconnection fetches the hash anew (a first connection may try the
// hash the page learned earlier first: service.ts).
import { WorkerError } from "./errors.ts";

export interface ResolvedRelay {
  url: string;
  /** Hex SHA-256 hashes to pin; empty = the browser's normal certificate checks. */
  certificateHashes: string[];
}

export type Fetcher = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

const HASH = /^[0-9a-f]{64}$/;

/** Checks `url` (throws WorkerError "bad-request"); for http:// also fetches the certificate hash ("connect-failed"). */
export async function resolveRelay(
  url: string,
  certificateHashes: readonly string[] = [],
  fetcher: Fetcher = globalThis.fetch.bind(globalThis),
  timeoutMs = 5_000,
): Promise<ResolvedRelay> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new WorkerError("bad-request", `not a URL: ${url}`);
  }
  if (target.protocol === "https:") return { url: target.href, certificateHashes: [...certificateHashes] };
  if (target.protocol !== "http:") {
    throw new WorkerError("bad-request", `a relay URL is https:// or http:// (local relay), got ${target.protocol}`);
  }
  const secure = new URL(target.href);
  secure.protocol = "https:";
  if (certificateHashes.length > 0) return { url: secure.href, certificateHashes: [...certificateHashes] };
  const hashUrl = `${target.origin}/certificate.sha256`;
  let text: string;
  try {
    const response = await fetcher(hashUrl, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = (await response.text()).trim().toLowerCase();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkerError("connect-failed", `could not fetch ${hashUrl}: ${reason}`);
  }
  if (!HASH.test(text)) throw new WorkerError("connect-failed", `${hashUrl} did not hold a hex SHA-256 hash`);
  return { url: secure.href, certificateHashes: [text] };
}

/** The origin of an http:// relay URL (a local relay whose certificate hash is fetched), else undefined. */
export function localRelayOrigin(url: string): string | undefined {
  try {
    const target = new URL(url);
    return target.protocol === "http:" ? target.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Hex hashes as WebTransport's serverCertificateHashes. */
export function toCertificateHashes(
  hexes: readonly string[],
): { algorithm: "sha-256"; value: Uint8Array<ArrayBuffer> }[] {
  return hexes.map((hex) => {
    const value = new Uint8Array(new ArrayBuffer(hex.length / 2));
    for (let i = 0; i < value.length; i++) value[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    return { algorithm: "sha-256", value };
  });
}
