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
  /** The relay's --state-dir; a temporary one, removed by stopRelay(), unless the test passed its own. */
  stateDir: string;
  ownsStateDir: boolean;
}

export interface StartOptions {
  /** Grant the process write access to its state dir (default true); false tests the fallback. */
  allowWrite?: boolean;
  /** More flags for Deno itself, before the script (the stress runs' `--inspect=127.0.0.1:0`). */
  runtimeArgs?: string[];
}

async function collectLines(readable: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  let pending = "";
  for await (const text of readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    into.push(...parts);
    // Bounded: a soak runs for minutes.
    if (into.length > 100_000) into.splice(0, into.length - 50_000);
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

/**
 * Starts main.ts with `--port 0` and `extraArgs`. Unless `extraArgs` has its own `--state-dir`, the
 * relay keeps its certificate in a new temporary directory (never the repository's `.moqkit-relay/`).
 */
export async function startRelay(extraArgs: string[] = [], options: StartOptions = {}): Promise<Relay> {
  const given = extraArgs.indexOf("--state-dir");
  const ownsStateDir = given < 0;
  const stateDir = ownsStateDir
    ? await Deno.makeTempDir({ prefix: "moqkit-relay-test-" })
    : (extraArgs[given + 1] as string);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...(options.runtimeArgs ?? []),
      "--unstable-net",
      "--allow-net",
      "--allow-read",
      ...(options.allowWrite === false ? [] : [`--allow-write=${stateDir}`]),
      "packages/relay/src/main.ts",
      "--port",
      "0",
      ...(ownsStateDir ? ["--state-dir", stateDir] : []),
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
    if (ownsStateDir) void Deno.remove(stateDir, { recursive: true }).catch(() => {});
    throw new Error(`${error instanceof Error ? error.message : error}; stderr: ${errors.join("\n")}`);
  });
  const match = /^moqkit relay listening https:\/\/127\.0\.0\.1:(\d+) certificate-sha256=([0-9a-f]{64})$/.exec(banner);
  assert.ok(match, `unexpected banner: ${banner}`);
  const port = Number(match[1]);
  const response = await fetch(`http://127.0.0.1:${port}/certificate.pem`, { signal: AbortSignal.timeout(WAIT_MS) });
  assert.equal(response.status, 200);
  const pem = await response.text();
  assert.match(pem, /-----BEGIN CERTIFICATE-----/);
  return { child, port, pem, lines, errors, status, stateDir, ownsStateDir };
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
  if (relay.ownsStateDir) await Deno.remove(relay.stateDir, { recursive: true }).catch(() => {});
}
