// Shared by the Deno processes of bench/relay-fanout.ts: connecting a MoQT session to the relay,
// reading commands from stdin, and writing one JSON line to stdout.

import { type Session, startClientSession } from "@moqkit/sdk/session";
import { connect } from "../../packages/relay/src/webtransport/client.ts";

export { delay, withTimeout } from "../../packages/relay/src/relay-process.ts";

/** Epoch milliseconds with sub-millisecond precision (every process on the machine shares the clock). */
export const now = (): number => performance.timeOrigin + performance.now();

/** `--name value` from the command line, or the fallback. */
export function arg(name: string, fallback?: string): string {
  const index = Deno.args.indexOf(`--${name}`);
  const value = index >= 0 ? Deno.args[index + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

export async function fetchPem(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/certificate.pem`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`certificate.pem: HTTP ${response.status}`);
  return await response.text();
}

/** A MoQT session on its own QUIC connection to the relay's /moq path. */
export async function moqSession(port: number, pem: string): Promise<Session> {
  const transport = await connect(`https://127.0.0.1:${port}/moq`, { caCerts: [pem] });
  await transport.ready;
  return await startClientSession(transport, { implementation: "moqkit-bench" });
}

/** Writes one JSON line to stdout, all of it (it may be large), before the caller exits. */
export async function emit(value: unknown): Promise<void> {
  const bytes = new TextEncoder().encode(`${JSON.stringify(value)}\n`);
  for (let written = 0; written < bytes.length; ) written += await Deno.stdout.write(bytes.subarray(written));
}

const stdinLines: string[] = [];
let stdinEnded = false;
const stdinWaiters: (() => void)[] = [];
let stdinReading = false;

/** Reads stdin into lines once, for every waitForCommand. */
function readStdin(): void {
  if (stdinReading) return;
  stdinReading = true;
  void (async () => {
    let pending = "";
    try {
      for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        stdinLines.push(...lines.map((line) => line.trim()));
        for (const wake of stdinWaiters.splice(0)) wake();
      }
    } finally {
      stdinEnded = true;
      for (const wake of stdinWaiters.splice(0)) wake();
    }
  })();
}

/** Resolves with `command` once a stdin line says it, or undefined when stdin ends (the parent went away). */
export async function waitForCommand(command: string): Promise<string | undefined> {
  readStdin();
  for (;;) {
    const index = stdinLines.indexOf(command);
    if (index >= 0) {
      stdinLines.splice(index, 1);
      return command;
    }
    if (stdinEnded) return undefined;
    await new Promise<void>((resolve) => stdinWaiters.push(resolve));
  }
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
