// Starts the @moq/lite peer (packages/relay/src/moq-lite-peer.ts, Deno) on a free port.
import { type DenoProcess, startDenoProgram } from "./deno-process.ts";

export type PeerProcess = DenoProcess;

export function startMoqLitePeer(timeoutMs = 20_000): Promise<PeerProcess> {
  return startDenoProgram("moq-lite peer", "packages/relay/src/moq-lite-peer.ts", ["--port", "0"], timeoutMs);
}
