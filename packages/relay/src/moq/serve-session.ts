// Accepts a WebTransport session as a MoQT session (draft-14) and hands it to the router.
import { accept, type Session, type SessionHandler } from "@moqkit/sdk/session";
import { escapeLogText } from "../log.ts";
import type { SendRateControl } from "../send-rate-control.ts";
import type { WebTransportSession } from "../webtransport/index.ts";
import type { ReceiveOptions } from "./receive-limits.ts";
import type { Router } from "./router.ts";

export interface MoqSessionOptions {
  /** One call per line; what the session logs (reasons, names a peer sent) is escaped before it gets here. */
  log: (line: string) => void;
  /** Live sessions, for a GOAWAY at shutdown. */
  sessions?: Set<Session>;
  /**
   * Checks the AUTHORIZATION TOKEN values of CLIENT_SETUP (their bytes, as sent); false closes with
   * UNAUTHORIZED. Without it, CLIENT_SETUP's tokens are not looked at.
   */
  authorize?: (tokens: Uint8Array[]) => boolean | Promise<boolean>;
  /** The session's hooks; default the router's (auth/relay-auth.ts binds grants to them). */
  handler?: SessionHandler;
  setupTimeoutMs?: number;
  /**
   * The longest a received group stays in the cache (ms), whatever the publisher's
   * MAX_CACHE_DURATION asks (the session's maxCacheDurationMs). Default: the publisher's word.
   */
  maxCacheDurationMs?: number;
  /** New requests a second the peer gets credit for (SessionOptions.maxRequestRate). */
  maxRequestRate?: number;
  /** Bounds on objects still arriving (the largest object, bytes held per session, the shared pool). */
  receive?: ReceiveOptions;
  /** A test facility: caps what the relay sends to each session. */
  sendRate?: SendRateControl;
}

/**
 * No WebTransport sub-protocol is selected: draft-14 defines none, and peers that offer several
 * (moq-dev's "moql", "moqt-16", ...) fall back to a draft-14 CLIENT_SETUP with version negotiation.
 */
export async function serveMoqSession(
  wt: WebTransportSession,
  router: Router,
  options: MoqSessionOptions,
): Promise<void> {
  wt.accept();
  const path = new URL(wt.url).pathname;
  const sendRate = options.sendRate?.open();
  try {
    const session = await accept(wt, {
      handler: options.handler ?? router.handler,
      implementation: "moqkit-relay",
      setupTimeoutMs: options.setupTimeoutMs,
      authorize: options.authorize,
      sendRate,
      maxCacheDurationMs: options.maxCacheDurationMs,
      maxRequestRate: options.maxRequestRate,
      maxReceiveBufferBytes: options.receive?.maxReceiveBufferBytes,
      receivePool: options.receive?.receivePool,
      cache: options.receive?.cache,
      limits: options.receive === undefined ? undefined : { maxObjectBytes: options.receive.maxObjectBytes },
      log: (line) => options.log(`moq ${escapeLogText(path)}: ${escapeLogText(line)}`),
    });
    options.log(`moq session ${escapeLogText(path)} set up`);
    options.sessions?.add(session);
    await session.closed;
    options.sessions?.delete(session);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    options.log(`moq session ${escapeLogText(path)} setup failed: ${escapeLogText(reason)}`);
  } finally {
    if (sendRate !== undefined) options.sendRate?.release(sendRate);
  }
}

/**
 * Shutdown: GOAWAY to every session ("reconnect to the same URI"), a moment for them to leave on
 * their own, then close whoever is left.
 */
export async function goAwayAll(sessions: Set<Session>, graceMs: number): Promise<void> {
  for (const session of sessions) {
    try {
      session.goAway();
    } catch {
      // closing already
    }
  }
  const deadline = Date.now() + graceMs;
  while (sessions.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  if (sessions.size === 0) return;
  for (const session of sessions) session.close(0, "relay shutting down");
  // Let the close capsules leave before the process exits.
  await new Promise((resolve) => setTimeout(resolve, 100));
}
