// Opening a session: connect() as a client over the browser's WebTransport (or any constructor
// with its shape), accept() as a server on a transport someone else accepted.
import { SessionArgumentError } from "./errors.ts";
import type { Session, SessionOptions } from "./session.ts";
import { startClientSession, startServerSession } from "./setup.ts";
import type { MoqTransport } from "./transport.ts";

export interface ConnectOptions extends SessionOptions {
  /** SHA-256 hashes of a self-signed certificate (a local relay's), as WebTransport takes them. */
  serverCertificateHashes?: { algorithm: "sha-256"; value: BufferSource }[];
  /** The WebTransport implementation; default the global WebTransport (browsers, workers). */
  WebTransport?: new (
    url: string,
    options?: object,
  ) => MoqTransport;
}

/** Connects to a MoQT server (a relay) at an https:// URL and runs setup. */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<Session> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new SessionArgumentError(`not a URL: ${String(url)}`);
  }
  if (target.protocol !== "https:")
    throw new SessionArgumentError(`a MoQT over WebTransport URL is https://, got ${target.protocol}`);
  const Transport =
    options.WebTransport ??
    (globalThis as { WebTransport?: new (url: string, options?: object) => MoqTransport }).WebTransport;
  if (Transport === undefined) throw new SessionArgumentError("no WebTransport here: pass options.WebTransport");
  const init: { serverCertificateHashes?: unknown } = {};
  if (options.serverCertificateHashes !== undefined) init.serverCertificateHashes = options.serverCertificateHashes;
  const transport = new Transport(target.href, init);
  await transport.ready;
  return startClientSession(transport, options);
}

/** Runs the server side of a session on a transport that is ready (accepted by a WebTransport server). */
export function accept(transport: MoqTransport, options: SessionOptions = {}): Promise<Session> {
  return startServerSession(transport, options);
}
