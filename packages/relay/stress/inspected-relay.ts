// The relay process for the stress runs: as relay-process.ts starts it (main.ts, --port 0, a
// temporary --state-dir, loopback), plus --inspect on a random loopback port, so that its live JS
// heap can be read from outside (a full GC, then Runtime.getHeapUsage) without any relay code.
import { type Relay, waitForLine, withTimeout } from "../src/relay-process.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** The relay process's resident memory (MiB) from /proc; -1 where there is none. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  const kib = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kib === undefined ? -1 : Math.round((Number(kib) / 1024) * 10) / 10;
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
}

/** The relay process as relay-process.ts starts it, plus --inspect on a random loopback port. */
export async function startInspectedRelay(): Promise<{ relay: Relay; inspector: string }> {
  const stateDir = await Deno.makeTempDir({ prefix: "moqkit-relay-stress-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--inspect=127.0.0.1:0",
      "--unstable-net",
      "--allow-net",
      "--allow-read",
      `--allow-write=${stateDir}`,
      "packages/relay/src/main.ts",
      "--port",
      "0",
      "--state-dir",
      stateDir,
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
  try {
    const banner = await waitForLine(lines, /^moqkit relay listening /, 20_000);
    const inspectorLine = await waitForLine(errors, /Debugger listening on ws:\/\//, 5_000);
    const port = Number(/:(\d+) certificate-sha256=/.exec(banner)?.[1]);
    const inspector = /(ws:\/\/\S+)/.exec(inspectorLine)?.[1] as string;
    const response = await fetch(`http://127.0.0.1:${port}/certificate.pem`, { signal: AbortSignal.timeout(5_000) });
    const pem = await response.text();
    const relay: Relay = { child, port, pem, lines, errors, status: child.status, stateDir, ownsStateDir: true };
    return { relay, inspector };
  } catch (error) {
    child.kill("SIGKILL");
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    throw new Error(`${error instanceof Error ? error.message : error}; stderr: ${errors.join("\n")}`);
  }
}

/** A V8 inspector client: one request at a time, each bounded. */
export class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (value: { result?: unknown; error?: unknown }) => void>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { id?: number; result?: unknown; error?: unknown };
      if (data.id !== undefined) this.#pending.get(data.id)?.(data);
    };
  }

  static async open(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await withTimeout(
      new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new Error("the relay's inspector refused the connection"));
      }),
      10_000,
      "the relay's inspector",
    );
    return new Inspector(socket);
  }

  async call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    const reply = await withTimeout(
      new Promise<{ result?: unknown; error?: unknown }>((resolve) => {
        this.#pending.set(id, resolve);
        this.#socket.send(JSON.stringify({ id, method, params }));
      }),
      30_000,
      method,
    ).finally(() => this.#pending.delete(id));
    if (reply.error !== undefined) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  /** The JS heap in use after a full collection, in MiB. */
  async liveHeapMiB(): Promise<number> {
    await this.call("HeapProfiler.collectGarbage");
    const usage = (await this.call("Runtime.getHeapUsage")) as { usedSize: number };
    return Math.round((usage.usedSize / 2 ** 20) * 100) / 100;
  }

  close(): void {
    this.#socket.close();
  }
}
