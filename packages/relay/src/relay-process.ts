// Starts the real relay process for tests (`--port 0`) and reads its log lines; small waits for tests.
import assert from "node:assert/strict";

const ROOT = new URL("../../../", import.meta.url).pathname;
const WAIT_MS = 5_000;

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Relay {
  child: Deno.ChildProcess;
  port: number;
  pem: string;
  /** Every stdout line so far. */
  lines: string[];
  /** Every stderr line so far. */
  errors: string[];
  status: Promise<Deno.CommandStatus>;
}

async function collectLines(readable: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  let pending = "";
  for await (const text of readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    into.push(...parts);
  }
  if (pending !== "") into.push(pending);
}

/** Polls the collected lines (every 20 ms, bounded) for one matching `pattern`. */
export async function waitForLine(lines: string[], pattern: RegExp, ms = WAIT_MS): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = lines.find((line) => pattern.test(line));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no relay line matched ${pattern} within ${ms} ms`);
    await delay(20);
  }
}

export async function startRelay(extraArgs: string[] = []): Promise<Relay> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-net",
      "--allow-net",
      "--allow-read",
      "packages/relay/src/main.ts",
      "--port",
      "0",
      ...extraArgs,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const errors: string[] = [];
  void collectLines(child.stdout, lines).catch(() => {});
  void collectLines(child.stderr, errors).catch(() => {});
  const status = child.status;
  const banner = await waitForLine(lines, /^moqkit relay listening /, 20_000).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`${error instanceof Error ? error.message : error}; stderr: ${errors.join("\n")}`);
  });
  const match = /^moqkit relay listening https:\/\/127\.0\.0\.1:(\d+) certificate-sha256=([0-9a-f]{64})$/.exec(banner);
  assert.ok(match, `unexpected banner: ${banner}`);
  const port = Number(match[1]);
  const response = await fetch(`http://127.0.0.1:${port}/certificate.pem`, { signal: AbortSignal.timeout(WAIT_MS) });
  assert.equal(response.status, 200);
  const pem = await response.text();
  assert.match(pem, /-----BEGIN CERTIFICATE-----/);
  return { child, port, pem, lines, errors, status };
}

/** Resolves true if the relay process is still running (its status has not settled). */
export async function isRunning(relay: Relay): Promise<boolean> {
  const exited = await Promise.race([relay.status.then(() => true), delay(50).then(() => false)]);
  return !exited;
}

/** Stops the relay and waits for it to exit. */
export async function stopRelay(relay: Relay): Promise<void> {
  try {
    relay.child.kill("SIGTERM");
  } catch {
    // already gone
  }
  await relay.status;
}
