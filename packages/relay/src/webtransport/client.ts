// A WebTransport client on the same layer, over Deno.connectQuic: for load generators and
// non-browser peers. `serverCertificateHashes` pins a self-signed certificate as the browser does.
import { DEFAULT_LIMITS, H3Connection, type WebTransportLimits } from "./connection.ts";
import type { WebTransportSession } from "./session.ts";

export interface CertificateHash {
  algorithm: "sha-256";
  value: BufferSource;
}

export interface ConnectOptions {
  /** Pins the server's certificate by SHA-256, fetched from http://host:port/certificate.pem. */
  serverCertificateHashes?: CertificateHash[];
  /** PEM certificates to trust, instead of pinning. */
  caCerts?: string[];
  /** WebTransport sub-protocols to offer. */
  protocols?: string[];
  headers?: Record<string, string>;
  limits?: Partial<WebTransportLimits>;
  log?: (line: string) => void;
}

/** Opens a QUIC connection and a WebTransport session on it. Await `session.ready` before use. */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<WebTransportSession> {
  const target = new URL(url);
  if (target.protocol !== "https:") throw new TypeError(`a WebTransport URL is https://, got ${target.protocol}`);
  const hostname = target.hostname.replace(/^\[|\]$/g, "");
  const port = Number(target.port || 443);
  const caCerts = options.caCerts ?? (await pinnedCertificate(target, options.serverCertificateHashes));
  const quic = await Deno.connectQuic({
    hostname,
    port,
    alpnProtocols: ["h3"],
    caCerts,
    maxConcurrentBidirectionalStreams: 1024,
    maxConcurrentUnidirectionalStreams: 1024,
    // Live media: a dead server is noticed within seconds (the relay's own idle timeout is 5 s).
    keepAliveInterval: 1_000,
    maxIdleTimeout: 5_000,
  });
  const connection = new H3Connection(quic, {
    role: "client",
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    log: options.log ?? (() => {}),
  });
  await connection.start();
  const session = await connection.openSession({ url: target, protocols: options.protocols, headers: options.headers });
  // One session per connection here: the connection ends with its session.
  void session.closed.finally(() => setTimeout(() => connection.close(), 50)).catch(() => {});
  return session;
}

async function pinnedCertificate(url: URL, hashes: CertificateHash[] | undefined): Promise<string[] | undefined> {
  if (hashes === undefined || hashes.length === 0) return undefined;
  const response = await fetch(`http://${url.host}/certificate.pem`);
  if (!response.ok) throw new Error(`cannot fetch the certificate to pin from ${url.host}: ${response.status}`);
  const pem = await response.text();
  const der = pemToDer(pem);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  const matches = hashes.some(({ value }) => equalBytes(toBytes(value), digest));
  if (!matches) throw new Error(`the certificate served by ${url.host} does not match serverCertificateHashes`);
  return [pem];
}

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(body), (character) => character.charCodeAt(0));
}

function toBytes(source: BufferSource): Uint8Array {
  return source instanceof ArrayBuffer
    ? new Uint8Array(source)
    : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
