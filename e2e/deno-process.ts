// Starts a Deno program (the relay, the @moq/lite peer) for a test and reads what it prints: it is
// ready once it prints "<banner> listening https://HOST:PORT certificate-sha256=HEX".
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface DenoProcess {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  certificateSha256: string;
  /** Every line the program printed so far. */
  lines: string[];
  /** Resolves with the first printed line matching `pattern` (bounded by `timeoutMs`). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  /** SIGKILL: gone at once, no GOAWAY, no close sent to anyone (a crash, as peers see it). */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process stays (its sockets too) but answers nothing meanwhile (a hung relay). */
  pause(): void;
  resume(): void;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DENO = join(ROOT, "node_modules", "deno", "deno");

/**
 * Runs `script` (relative to the repository) with `args`, and waits for its banner.
 * The Deno binary itself is spawned (not a wrapper script), so stopping the child stops the program.
 */
export async function startDenoProgram(
  name: string,
  script: string,
  args: string[],
  timeoutMs = 20_000,
): Promise<DenoProcess> {
  const ready = new RegExp(`^${name} listening (https://\\S+) certificate-sha256=([0-9a-f]{64})$`);
  const child: ChildProcess = spawn(DENO, ["run", "--unstable-net", "--allow-net", "--allow-read", script, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
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
        reject(
          new Error(`${name} printed no line matching ${pattern} in ${wait} ms; it printed:\n${lines.join("\n")}`),
        );
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
  const banner = await Promise.race([
    waitForLine(ready, timeoutMs),
    exited.then(() => {
      throw new Error(`${name} exited before it was ready:\n${lines.join("\n")}`);
    }),
  ]);
  const [, url = "", certificateSha256 = ""] = ready.exec(banner) ?? [];
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
    pause() {
      child.kill("SIGSTOP");
    },
    resume() {
      child.kill("SIGCONT");
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}
