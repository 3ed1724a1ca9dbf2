// Starts the real relay process (Deno) for a test, on a free port, and reads what it prints.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface RelayProcess {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  certificateSha256: string;
  /** Every line the relay printed so far. */
  lines: string[];
  /** Resolves with the first printed line matching `pattern` (bounded by `timeoutMs`). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DENO = join(ROOT, "node_modules", "deno", "deno");
const READY = /^moqkit relay listening (https:\/\/\S+) certificate-sha256=([0-9a-f]{64})$/;

export async function startRelay(args: string[] = [], timeoutMs = 20_000): Promise<RelayProcess> {
  // The Deno binary itself (not a wrapper script), so stopping the child stops the relay.
  const child: ChildProcess = spawn(
    DENO,
    ["run", "--unstable-net", "--allow-net", "--allow-read", "packages/relay/src/main.ts", "--port", "0", ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let pending = "";
  const onData = (data: Buffer) => {
    pending += data.toString("utf8");
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const listener of listeners) listener(line);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);

  const waitForLine = (pattern: RegExp, wait = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const found = lines.find((line) => pattern.test(line));
      if (found !== undefined) return resolve(found);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`relay printed no line matching ${pattern} in ${wait} ms; it printed:\n${lines.join("\n")}`));
      }, wait);
      const listener = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
    });

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await Promise.race([
    waitForLine(READY, timeoutMs),
    exited.then(() => {
      throw new Error(`relay exited before it was ready:\n${lines.join("\n")}`);
    }),
  ]);
  const [, url = "", certificateSha256 = ""] = READY.exec(ready) ?? [];
  return {
    url,
    port: Number(new URL(url).port),
    certificateSha256,
    lines,
    waitForLine,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
