// The relay process for the stress runs: as relay-process.ts starts it (main.ts, --port 0, a
// temporary --state-dir, loopback), plus --inspect on a random loopback port, so that its live JS
// heap can be read from outside (a full GC, then Runtime.getHeapUsage) without any relay code.
import { type Relay, startRelay, stopRelay, waitForLine, withTimeout } from "../src/relay-process.ts";

/** The relay process's resident memory (MiB) from /proc; -1 where there is none. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  const kib = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kib === undefined ? -1 : Math.round((Number(kib) / 1024) * 10) / 10;
}

/** The relay process as relay-process.ts starts it, plus --inspect on a random loopback port. */
export async function startInspectedRelay(): Promise<{ relay: Relay; inspector: string }> {
  const relay = await startRelay([], { runtimeArgs: ["--inspect=127.0.0.1:0"] });
  try {
    const inspectorLine = await waitForLine(relay.errors, /Debugger listening on ws:\/\//, 5_000);
    return { relay, inspector: /(ws:\/\/\S+)/.exec(inspectorLine)?.[1] as string };
  } catch (error) {
    await stopRelay(relay);
    throw error;
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
