// The relay's command line: `pnpm relay [flags]`. Prints one line once ready:
//   moqkit relay listening https://HOST:PORT certificate-sha256=HEX

import type { Session } from "@moqkit/sdk/session";
import { DEFAULT_FAILURE_LIMIT } from "./auth/failure-limit.ts";
import { type JwtKey, readJwtKeyEnv, readJwtKeyFile } from "./auth/jwt.ts";
import { RelayAuth } from "./auth/relay-auth.ts";
import { serveCertificate } from "./certificate-endpoint.ts";
import { handleEchoSession } from "./echo.ts";
import { lineLogger } from "./log.ts";
import { DEFAULT_RECEIVE_LIMITS, type ReceiveLimits, receiveOptions } from "./moq/receive-limits.ts";
import { DEFAULT_ROUTER_LIMITS, Router, type RouterOptions } from "./moq/router.ts";
import { goAwayAll, serveMoqSession } from "./moq/serve-session.ts";
import { MAX_SEND_RATE_KBPS, SendRateControl } from "./send-rate-control.ts";
import { type Certificate, generateCertificate, loadCertificate, needsRenewal } from "./webtransport/certificate.ts";
import { keptCertificate, mayKeepState, storeCertificate } from "./webtransport/certificate-store.ts";
import {
  DEFAULT_SERVER_LIMITS,
  listen,
  type ServerLimits,
  type WebTransportServer,
  type WebTransportSession,
} from "./webtransport/index.ts";

/** New requests a second per session past its first window: a viewer needs a handful, a flood thousands. */
const DEFAULT_MAX_REQUESTS_PER_SECOND = 50;
/** An upstream subscription outlives its last viewer this long (ms): repeats are answered by the relay. */
const DEFAULT_LINGER_MS = 2_000;

const HELP = `moqkit relay: the local MoQ relay (MoQ Transport draft-14 over WebTransport).

Usage: pnpm relay [flags]

  --host ADDRESS         address to listen on (default 127.0.0.1; ::1 for IPv6)
  --port N               UDP port for QUIC/WebTransport, and the same TCP port for
                         GET /certificate.sha256 (default 4443; 0 picks a free one)
  --cert FILE --key FILE PEM certificate and key to use instead of a generated one
                         (ECDSA P-256, valid under 14 days, for serverCertificateHashes)
  --state-dir DIR        where the generated certificate and its key are kept, so that a
                         restarted relay keeps its certificate hash (default .moqkit-relay
                         in the current directory); renewed 2 days before its 10 days end.
                         Needs deno run --allow-write=DIR (pnpm relay grants .moqkit-relay);
                         without it the relay makes a new certificate at every start
  --token TOKEN          require ?token=TOKEN (or Authorization: Bearer TOKEN): 401 if
                         missing, 403 if wrong; on / and /moq the token may instead come as
                         MoQT's AUTHORIZATION TOKEN in CLIENT_SETUP (else UNAUTHORIZED, 0x2).
                         It grants everything; compared in constant time
  --jwt-key-file PATH    require a JWT signed with this key: ?jwt=JWT in the URL, or the first
                         AUTHORIZATION TOKEN of CLIENT_SETUP (also accepted: Bearer JWT). The
                         file holds an ES256 public key (PEM "BEGIN PUBLIC KEY" or a P-256 JWK) or
                         an HS256 secret (the file's bytes, at least 32, or a JWK of kty "oct").
                         Its claim {"moqkit":{"publish":[PREFIX...],"subscribe":[PREFIX...]}}
                         grants namespace prefixes ("a/b" is the tuple (a,b); "" is everything);
                         "exp" is required and enforced (see README, Security). A bad, expired
                         or missing token: 403 for ?jwt=, UNAUTHORIZED (0x2) for CLIENT_SETUP;
                         a request outside the grants: its ERROR with UNAUTHORIZED
  --jwt-key-env NAME     the same key from environment variable NAME (deno run --allow-env=NAME)
  --auth-max-failures N  failed token attempts one client address may make per window; then its
                         requests are refused at once (429 / UNAUTHORIZED) (default ${DEFAULT_FAILURE_LIMIT.maxFailures})
  --auth-failure-window-ms N
                         that window (default ${DEFAULT_FAILURE_LIMIT.windowMs})
                         Without --token and a JWT key the relay is open to all (development
                         default; said at startup)
  --max-sessions N       WebTransport sessions per connection (default 16)
  --max-sessions-total N WebTransport sessions in all; more are answered 503 (default ${DEFAULT_SERVER_LIMITS.maxSessions})
  --max-sessions-per-address N
                         sessions from one client IP address; more are answered 429
                         (default ${DEFAULT_SERVER_LIMITS.maxSessionsPerAddress})
  --max-connections N    QUIC connections in all (open or in their handshake); more are
                         refused (default ${DEFAULT_SERVER_LIMITS.maxConnections})
  --max-connections-per-address N
                         QUIC connections from one client IP address; more are closed with
                         H3_EXCESSIVE_LOAD (default ${DEFAULT_SERVER_LIMITS.maxConnectionsPerAddress}; local clients all come from 127.0.0.1)
  --request-timeout-ms N a connection holding no WebTransport session (none requested yet, or
                         all ended) is closed after N ms (default ${DEFAULT_SERVER_LIMITS.noSessionTimeoutMs})
  --idle-timeout-ms N    QUIC idle timeout: a peer silent for N ms is gone; keep-alive PINGs go
                         every N/5 ms (at most 4 s) meanwhile (1500..600000, default ${DEFAULT_SERVER_LIMITS.idleTimeoutMs};
                         5000 for live media: a dead viewer or publisher is dropped, and a dead relay noticed, within seconds)
  --max-streams N        open streams per session (default 4096)
  --announce-wait-ms N   how long a SUBSCRIBE waits for its namespace to be published
                         before SUBSCRIBE_ERROR "not found" (default 1000)
  --max-requests-per-second N
                         new requests (SUBSCRIBE, FETCH, ...) one session is given request IDs
                         for each second, past its first 100 (MAX_REQUEST_ID comes back no
                         faster; a flood waits at its source) (default ${DEFAULT_MAX_REQUESTS_PER_SECOND})
  --linger-ms N          how long the relay's upstream subscription outlives its last viewer, so
                         that a viewer coming back (or a burst of repeats) is answered by the
                         relay, not the publisher (default ${DEFAULT_LINGER_MS})
  --max-namespaces-per-session N
                         namespaces one session may publish at once; more are refused with
                         PUBLISH_NAMESPACE_ERROR INTERNAL_ERROR, the session stays open (default ${DEFAULT_ROUTER_LIMITS.maxNamespacesPerSession})
  --max-namespaces N     namespaces published in all (default ${DEFAULT_ROUTER_LIMITS.maxNamespaces})
  --max-tracks-per-session N
                         tracks one session may push (PUBLISH) at once; more are ended with
                         UNSUBSCRIBE (default ${DEFAULT_ROUTER_LIMITS.maxTracksPerSession})
  --max-tracks N         tracks the relay holds in all, pushed or subscribed upstream; past it a
                         new one is refused (default ${DEFAULT_ROUTER_LIMITS.maxTracks})
  --upstream-timeout-ms N
                         how long the relay waits for a publisher's answer to its SUBSCRIBE;
                         then the viewers get SUBSCRIBE_ERROR TIMEOUT (0x2) and the upstream
                         request is withdrawn with UNSUBSCRIBE (default ${DEFAULT_ROUTER_LIMITS.upstreamTimeoutMs})
  --max-cache-duration-ms N
                         the longest the relay keeps a received group, whatever the
                         publisher's MAX_CACHE_DURATION asks (1..86400000, default 30000);
                         subscribers are told the capped value
  --max-object-bytes N   the largest object a publisher may send (default 16777216)
  --max-buffered-bytes-per-session N
                         bytes of objects still arriving (a publisher's unfinished objects)
                         one session may make the relay hold; past it the session is closed
                         with INTERNAL_ERROR (0x1) (default ${DEFAULT_RECEIVE_LIMITS.maxBufferedBytesPerSession})
  --max-buffered-bytes N the same across all sessions; past it the session holding the most
                         is closed (default ${DEFAULT_RECEIVE_LIMITS.maxBufferedBytes})
  --max-cache-bytes-per-track N
                         bytes of groups one track's cache holds; past it the oldest go first,
                         whatever their time to live (default ${DEFAULT_RECEIVE_LIMITS.maxCacheBytesPerTrack})
  --max-cache-bytes N    the same for the whole cache: the oldest group of any track goes
                         first (default ${DEFAULT_RECEIVE_LIMITS.maxCacheBytes})
  --quiet                log only errors
  --help                 this text

Test options (off by default; for tests and benchmarks of a bad network):
  --send-rate-kbps N     cap what the relay sends to each session at N kbit/s (each
                         session on its own; the newest, most important group goes first
                         and groups past their time to live are cut); implies --test-controls
  --test-controls        POST /test/send-rate?kbps=N on the certificate endpoint changes
                         that cap while running (0 lifts it); without it that path is 404

Paths: / and /moq speak MoQ Transport draft-14; /echo echoes streams and datagrams;
/sink counts bytes (both for WebTransport tests and benchmarks); others get 404.
`;

/**
 * The longest a received group stays in the cache by default (ms): a publisher's MAX_CACHE_DURATION
 * above it is capped (an hour of a 24 Mbit/s track is 10 GB; past 2^31-1 ms timers overflow).
 */
const DEFAULT_MAX_CACHE_DURATION_MS = 30_000;
/** The most --max-cache-duration-ms accepts: one day, as the SDK's worker. */
const MAX_CACHE_DURATION_LIMIT_MS = 86_400_000;
/**
 * The default --state-dir: relative to the current directory (the repository root under `pnpm relay`,
 * gitignored there), not $XDG_STATE_HOME: it needs no environment access, `pnpm relay` can grant
 * write access to it alone, and each checkout keeps its own certificate.
 */
const DEFAULT_STATE_DIR = ".moqkit-relay";

interface Flags {
  host: string;
  port: number;
  cert?: string;
  key?: string;
  token?: string;
  /** Where the JWT key is read from: a file or an environment variable. */
  jwtKeyFile?: string;
  jwtKeyEnv?: string;
  authMaxFailures?: number;
  authFailureWindowMs?: number;
  maxSessions?: number;
  maxStreams?: number;
  /** Where the generated certificate is kept across restarts. */
  stateDir: string;
  /** The limits across connections (connections, sessions, timeouts), as given. */
  serverLimits: Partial<ServerLimits>;
  announceWaitMs?: number;
  maxRequestsPerSecond: number;
  lingerMs: number;
  /** The router's limits and upstream deadline, as given. */
  routerLimits: Pick<
    RouterOptions,
    "maxNamespacesPerSession" | "maxNamespaces" | "maxTracksPerSession" | "maxTracks" | "upstreamTimeoutMs"
  >;
  /** The longest a received group stays in the relay's cache (ms), whatever its publisher asks. */
  maxCacheDurationMs: number;
  /** Objects still arriving: the largest object, and the bytes held per session and in all. */
  receiveLimits: ReceiveLimits;
  /** Test options: the send rate cap (kbit/s, 0 = none) and whether the test endpoint is on. */
  sendRateKbps: number;
  testControls: boolean;
  quiet: boolean;
}

function parseFlags(args: string[]): Flags {
  const flags: Flags = {
    host: "127.0.0.1",
    port: 4443,
    maxCacheDurationMs: DEFAULT_MAX_CACHE_DURATION_MS,
    receiveLimits: { ...DEFAULT_RECEIVE_LIMITS },
    maxRequestsPerSecond: DEFAULT_MAX_REQUESTS_PER_SECOND,
    lingerMs: DEFAULT_LINGER_MS,
    stateDir: DEFAULT_STATE_DIR,
    serverLimits: {},
    routerLimits: {},
    sendRateKbps: 0,
    testControls: false,
    quiet: false,
  };
  const value = (index: number, name: string): string => {
    const given = args[index + 1];
    if (given === undefined || given.startsWith("--")) fail(`${name} needs a value`);
    return given;
  };
  const integer = (text: string, name: string, min: number, max: number): number => {
    const number = Number(text);
    if (!Number.isInteger(number) || number < min || number > max) fail(`${name} must be an integer in ${min}..${max}`);
    return number;
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    switch (arg) {
      case "--help":
      case "-h":
        console.log(HELP);
        Deno.exit(0);
        break;
      case "--host":
        flags.host = value(index++, arg);
        break;
      case "--port":
        flags.port = integer(value(index++, arg), arg, 0, 65535);
        break;
      case "--cert":
        flags.cert = value(index++, arg);
        break;
      case "--key":
        flags.key = value(index++, arg);
        break;
      case "--token":
        flags.token = value(index++, arg);
        break;
      case "--jwt-key-file":
        flags.jwtKeyFile = value(index++, arg);
        break;
      case "--jwt-key-env":
        flags.jwtKeyEnv = value(index++, arg);
        break;
      case "--auth-max-failures":
        flags.authMaxFailures = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--auth-failure-window-ms":
        flags.authFailureWindowMs = integer(value(index++, arg), arg, 1, 86_400_000);
        break;
      case "--max-sessions":
        flags.maxSessions = integer(value(index++, arg), arg, 1, 1024);
        break;
      case "--state-dir":
        flags.stateDir = value(index++, arg);
        break;
      case "--max-sessions-total":
        flags.serverLimits.maxSessions = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--max-sessions-per-address":
        flags.serverLimits.maxSessionsPerAddress = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--max-connections":
        flags.serverLimits.maxConnections = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--max-connections-per-address":
        flags.serverLimits.maxConnectionsPerAddress = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--request-timeout-ms":
        flags.serverLimits.noSessionTimeoutMs = integer(value(index++, arg), arg, 100, 600_000);
        break;
      case "--idle-timeout-ms":
        flags.serverLimits.idleTimeoutMs = integer(value(index++, arg), arg, 1_500, 600_000);
        // Several PINGs per idle period, so one lost PING does not end a live connection.
        flags.serverLimits.keepAliveIntervalMs = Math.min(
          DEFAULT_SERVER_LIMITS.keepAliveIntervalMs,
          Math.floor(flags.serverLimits.idleTimeoutMs / 5),
        );
        break;
      case "--max-streams":
        flags.maxStreams = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--announce-wait-ms":
        flags.announceWaitMs = integer(value(index++, arg), arg, 0, 600_000);
        break;
      case "--max-requests-per-second":
        flags.maxRequestsPerSecond = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--linger-ms":
        flags.lingerMs = integer(value(index++, arg), arg, 0, 600_000);
        break;
      case "--max-namespaces-per-session":
        flags.routerLimits.maxNamespacesPerSession = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--max-namespaces":
        flags.routerLimits.maxNamespaces = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--max-tracks-per-session":
        flags.routerLimits.maxTracksPerSession = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--max-tracks":
        flags.routerLimits.maxTracks = integer(value(index++, arg), arg, 1, 1_000_000);
        break;
      case "--upstream-timeout-ms":
        flags.routerLimits.upstreamTimeoutMs = integer(value(index++, arg), arg, 100, 600_000);
        break;
      case "--max-cache-duration-ms":
        flags.maxCacheDurationMs = integer(value(index++, arg), arg, 1, MAX_CACHE_DURATION_LIMIT_MS);
        break;
      case "--max-object-bytes":
        flags.receiveLimits.maxObjectBytes = integer(value(index++, arg), arg, 1, 2 ** 30);
        break;
      case "--max-buffered-bytes-per-session":
        flags.receiveLimits.maxBufferedBytesPerSession = integer(value(index++, arg), arg, 1, 2 ** 40);
        break;
      case "--max-buffered-bytes":
        flags.receiveLimits.maxBufferedBytes = integer(value(index++, arg), arg, 1, 2 ** 40);
        break;
      case "--max-cache-bytes-per-track":
        flags.receiveLimits.maxCacheBytesPerTrack = integer(value(index++, arg), arg, 1, 2 ** 40);
        break;
      case "--max-cache-bytes":
        flags.receiveLimits.maxCacheBytes = integer(value(index++, arg), arg, 1, 2 ** 40);
        break;
      case "--send-rate-kbps":
        flags.sendRateKbps = integer(value(index++, arg), arg, 1, MAX_SEND_RATE_KBPS);
        flags.testControls = true;
        break;
      case "--test-controls":
        flags.testControls = true;
        break;
      case "--quiet":
        flags.quiet = true;
        break;
      default:
        fail(`unknown flag ${arg} (see --help)`);
    }
  }
  if ((flags.cert === undefined) !== (flags.key === undefined)) fail("--cert and --key go together");
  if (flags.jwtKeyFile !== undefined && flags.jwtKeyEnv !== undefined)
    fail("give one of --jwt-key-file, --jwt-key-env");
  return flags;
}

function fail(message: string): never {
  console.error(`moqkit relay: ${message}`);
  Deno.exit(2);
}

async function certificate(flags: Flags, log: (line: string) => void): Promise<Certificate> {
  if (flags.cert !== undefined && flags.key !== undefined) {
    return await loadCertificate(await Deno.readTextFile(flags.cert), await Deno.readTextFile(flags.key));
  }
  if (!keepsState(flags)) {
    log(
      `moqkit relay: no read and write access to --state-dir ${flags.stateDir} (deno run --allow-write=${flags.stateDir}): its certificate is not kept across restarts`,
    );
    return await generateCertificate();
  }
  const kept = await keptCertificate(flags.stateDir);
  log(
    kept.origin === "stored"
      ? `moqkit relay reuses its certificate from ${flags.stateDir} (valid until ${kept.certificate.notAfter.toISOString()})`
      : `moqkit relay made a new certificate, kept in ${flags.stateDir}: ${kept.reason}`,
  );
  return kept.certificate;
}

/** Generated certificates are kept in the state dir when this process may read and write it. */
function keepsState(flags: Flags): boolean {
  return flags.cert === undefined && mayKeepState(flags.stateDir);
}

/** Binds QUIC and the certificate endpoint on one port number, retrying when --port 0 meets a busy TCP port. */
async function start(flags: Flags, log: (line: string) => void, sendRate: SendRateControl | undefined) {
  let current = await certificate(flags, log);
  for (let attempt = 0; attempt < 20; attempt++) {
    const server: WebTransportServer = listen({
      hostname: flags.host,
      port: flags.port,
      cert: current.certPem,
      key: current.keyPem,
      limits: {
        ...(flags.maxSessions === undefined ? {} : { maxSessionsPerConnection: flags.maxSessions }),
        ...(flags.maxStreams === undefined ? {} : { maxStreamsPerSession: flags.maxStreams }),
      },
      serverLimits: flags.serverLimits,
      log,
    });
    try {
      const endpoint = serveCertificate({
        hostname: flags.host,
        port: server.addr.port,
        current: () => current,
        sendRate,
      });
      return { server, endpoint, certificate: () => current, renew: (next: Certificate) => (current = next) };
    } catch (error) {
      server.close();
      if (flags.port !== 0 || !(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
  throw new Error("no port free for both UDP and TCP after 20 tries");
}

/** The JWT key the flags name, if any; a key that cannot be read or used stops the relay. */
async function jwtKey(flags: Flags): Promise<JwtKey | undefined> {
  try {
    if (flags.jwtKeyFile !== undefined) return await readJwtKeyFile(flags.jwtKeyFile);
    if (flags.jwtKeyEnv !== undefined) return await readJwtKeyEnv(flags.jwtKeyEnv);
  } catch (error) {
    fail(`cannot use the JWT key: ${error instanceof Error ? error.message : String(error)}`);
  }
  return undefined;
}

const flags = parseFlags(Deno.args);
// Every line logged through `log` is escaped: names and reasons a peer sends cannot forge a line.
const log = flags.quiet ? () => {} : lineLogger((line) => console.log(line));
const auth = new RelayAuth({
  token: flags.token,
  jwtKey: await jwtKey(flags),
  failureLimit: { maxFailures: flags.authMaxFailures, windowMs: flags.authFailureWindowMs },
  log,
});
const sendRate = flags.testControls ? new SendRateControl(flags.sendRateKbps) : undefined;
const relay = await start(flags, log, sendRate);

// A generated certificate lives 10 days; renew it two days before it ends, without a restart.
const RENEWAL_CHECK_MS = 60 * 60 * 1000;
const renewal = setInterval(async () => {
  if (flags.cert !== undefined || !needsRenewal(relay.certificate())) return;
  const next = await generateCertificate();
  if (keepsState(flags)) {
    await storeCertificate(flags.stateDir, next).catch((error) =>
      console.error(`moqkit relay: cannot store the renewed certificate in ${flags.stateDir}: ${error}`),
    );
  }
  relay.renew(next);
  relay.server.updateCertificate(next.certPem, next.keyPem);
  console.log(`moqkit relay renewed its certificate certificate-sha256=${next.sha256Hex}`);
}, RENEWAL_CHECK_MS);

const host = flags.host.includes(":") ? `[${flags.host}]` : flags.host;
console.log(
  `moqkit relay listening https://${host}:${relay.server.addr.port} certificate-sha256=${relay.certificate().sha256Hex}`,
);

if (sendRate !== undefined) {
  const cap = sendRate.kbps === 0 ? "uncapped" : `${sendRate.kbps} kbps per session`;
  console.log(`moqkit relay test controls on: send rate ${cap}; POST /test/send-rate?kbps=N changes it`);
}

const moqSessions = new Set<Session>();
const stop = async () => {
  clearInterval(renewal);
  await goAwayAll(moqSessions, 1_000);
  relay.server.close();
  await relay.endpoint.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);

// One pool for the bytes of objects still arriving and one cache budget, shared by every session
// and the router's tracks (issue 11, items 1 and 2).
const receive = receiveOptions(flags.receiveLimits);
const router = new Router({
  announceWaitMs: flags.announceWaitMs,
  lingerMs: flags.lingerMs,
  ...flags.routerLimits,
  cache: receive.cache,
  ...(auth.isOpen ? {} : { permits: auth.permits }),
  log,
});

/** Authorizes a session request (auth/relay-auth.ts), then serves it: MoQT on / and /moq, echo.ts elsewhere. */
async function serve(session: WebTransportSession): Promise<void> {
  const url = new URL(session.url);
  const address = session.remoteAddress;
  const verdict = await auth.checkRequest(url, session.headers, address);
  const moq = url.pathname === "/" || url.pathname === "/moq";
  // No credentials in the request: on the MoQT paths, CLIENT_SETUP's AUTHORIZATION TOKEN may bring them.
  if (verdict.status === 403 || verdict.status === 429 || (verdict.status === 401 && !moq)) {
    log(`session ${url.pathname} rejected ${verdict.status}`);
    await session.reject(verdict.status);
    return;
  }
  if (!moq) {
    handleEchoSession(session, { log });
    return;
  }
  let grants = verdict.status === 200 ? verdict.grants : undefined;
  await serveMoqSession(session, router, {
    log,
    sessions: moqSessions,
    authorize:
      grants !== undefined
        ? undefined
        : async (tokens) => {
            grants = await auth.checkSetup(tokens, address);
            return grants !== undefined;
          },
    handler: auth.bind(router.handler, () => grants),
    sendRate,
    maxCacheDurationMs: flags.maxCacheDurationMs,
    receive,
    maxRequestRate: flags.maxRequestsPerSecond,
  });
}

// Said even with --quiet: whether the relay is open to all is not a detail.
console.log(auth.describe());
for await (const session of relay.server) {
  void serve(session).catch((error) =>
    log(`session ${new URL(session.url).pathname} failed: ${error instanceof Error ? error.message : String(error)}`),
  );
}
