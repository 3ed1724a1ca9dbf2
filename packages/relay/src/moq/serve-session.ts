// Accepts a WebTransport session as a MoQT session (draft-14) and hands it to the router.
import { accept } from "../../../sdk/src/session/index.ts";
import type { WebTransportSession } from "../webtransport/index.ts";
import type { Router } from "./router.ts";

export interface MoqSessionOptions {
  log: (line: string) => void;
  /** Per-session diagnostics (protocol violations); default: the log. */
  setupTimeoutMs?: number;
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
  try {
    const session = await accept(wt, {
      handler: router.handler,
      implementation: "moqkit-relay",
      setupTimeoutMs: options.setupTimeoutMs,
      log: (line) => options.log(`moq ${path}: ${line}`),
    });
    options.log(`moq session ${path} set up`);
    await session.closed;
  } catch (error) {
    options.log(`moq session ${path} setup failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
