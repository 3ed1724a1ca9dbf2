// Relay fan-out: one publisher at 30 groups/s of one ~4 KiB object each (about 1 Mbps) through the
// relay process to N subscribers (N = 10, 50, 200 by default), each a MoQT session on its own QUIC
// connection, for 20 s per N. For each N: delivered/offered groups, p50/p95 publish-to-receive delay,
// the relay's CPU seconds and peak RSS. Prints one JSON line. Run: pnpm bench:relay-fanout
//
// Processes (all Deno, spawned from here under Node, loopback only): a fresh relay per N, the
// publisher (bench/relay-fanout/publisher.ts) and a few subscriber hosts
// (bench/relay-fanout/subscribers.ts) sharing the N sessions. The publisher announces, every
// subscriber gets its SUBSCRIBE_OK, then groups flow for SECONDS (the window). Offered = groups
// published in the window x N; delivered = those groups received, counted after a short drain once
// the publisher stops. The send time travels in the object's first bytes; every process reads the
// same clock. The subscriber hosts run at nice 10 (CLIENT_NICE): on a small machine the load
// generator then takes the CPU the relay leaves, rather than an equal share of it. PROBES (2) of
// the N sessions run in one more process at normal priority: "probes" reports their delays apart.
//
// Env: SUBSCRIBERS="10,50,200", SECONDS=20, RATE=30 (groups/s), OBJECT_BYTES=4096, DRAIN_MS=2000,
// SUB_PROCESSES (niced subscriber hosts per N; default ceil(N/50), at most 4), CLIENT_NICE=10, PROBES=2,
// RELAY_ARGS
// (extra relay flags), PROFILE_DIR (CPU-profile the relay and the first subscriber host during the window through
// their inspector, write DIR/relay-N.cpuprofile and DIR/subscribers-N.cpuprofile, and add self-time
// summaries to the JSON; the inspector costs a little CPU itself).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DENO } from "../e2e/deno-process.ts";
import type { SessionReport } from "./relay-fanout/report.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const list = (text: string) =>
  text
    .split(",")
    .map((item) => Number(item.trim()))
    .filter((item) => Number.isInteger(item) && item > 0);
const SUBSCRIBERS = list(process.env.SUBSCRIBERS ?? "10,50,200");
const SECONDS = Number(process.env.SECONDS ?? 20);
const RATE = Number(process.env.RATE ?? 30);
const OBJECT_BYTES = Number(process.env.OBJECT_BYTES ?? 4096);
const DRAIN_MS = Number(process.env.DRAIN_MS ?? 2_000);
const EXPIRES_MS = 2_000;
const PROFILE_DIR = process.env.PROFILE_DIR;
const CLIENT_NICE = Number(process.env.CLIENT_NICE ?? 10);
const PROBES = Number(process.env.PROBES ?? 2);
const INSPECT = PROFILE_DIR === undefined ? [] : ["--inspect=127.0.0.1:0"];
const RELAY_ARGS = (process.env.RELAY_ARGS ?? "").split(" ").filter(Boolean);
const subProcessesFor = (subscribers: number) =>
  Math.max(1, Math.min(subscribers, Number(process.env.SUB_PROCESSES ?? Math.min(4, Math.ceil(subscribers / 50)))));

const now = () => performance.timeOrigin + performance.now();
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {
  // Linux's usual USER_HZ
}

/** utime + stime (every thread) of a process, in seconds. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN; // it exited
  }
}

/** Peak resident set size (VmHWM) of a process, in MiB. */
function peakRssMiB(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine spent busy (every core, every process) so far, from /proc/stat. */
function machineBusySeconds(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((sum, value) => sum + value, 0) - idle) / clockTicks;
}

type Event = { event: string; [key: string]: unknown };

/** A spawned Deno process whose stdout is JSON lines (events) and whose stderr is kept for errors. */
class Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly events: Event[] = [];
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  /** The inspector's WebSocket URL, when started with --inspect. */
  inspector: string | undefined;
  readonly exited: Promise<void>;
  #listeners = new Set<() => void>();

  constructor(name: string, args: string[], niceness = 0) {
    this.name = name;
    // `nice` execs Deno in place: the pid stays the Deno process's.
    this.process =
      niceness === 0
        ? spawn(DENO, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] })
        : spawn("nice", ["-n", String(niceness), DENO, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    children.add(this);
    this.exited = new Promise((resolve) => this.process.once("exit", () => resolve()));
    void this.exited.then(() => {
      children.delete(this);
      this.#notify();
    });
    this.#lines(this.process.stdout, (line) => {
      this.lines.push(line);
      if (line.startsWith("{")) {
        try {
          this.events.push(JSON.parse(line) as Event);
        } catch {
          // not one of ours
        }
      }
      this.#notify();
    });
    this.#lines(this.process.stderr, (line) => {
      this.inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
      this.stderr.push(line);
      if (this.stderr.length > 50) this.stderr.shift();
      this.#notify();
    });
    this.process.stdin?.on("error", () => {});
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
    let pending = "";
    stream?.on("data", (data: Buffer) => {
      pending += data.toString("utf8");
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const part of parts) onLine(part);
    });
  }

  /** Resolves with the first thing `find` returns for the output so far; fails on timeout or exit. */
  waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) return finish(() => resolve(found));
        const error = this.events.find((event) => event.event === "error");
        if (error !== undefined) return finish(() => reject(new Error(`${this.name}: ${String(error.message)}`)));
        if (!this.running) return finish(() => reject(new Error(`${this.name} exited: ${this.stderr.join("\n")}`)));
      };
      const timer = setTimeout(
        () =>
          finish(() => reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; ${this.stderr.join("\n")}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      this.#listeners.add(check);
      check();
    });
  }

  waitForEvent(name: string, timeoutMs: number): Promise<Event> {
    return this.waitFor(() => this.events.find((event) => event.event === name), `"${name}" event`, timeoutMs);
  }

  send(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.process.kill("SIGTERM");
    await Promise.race([this.exited, delay(3_000)]);
    if (this.running) this.process.kill("SIGKILL");
    await Promise.race([this.exited, delay(2_000)]);
  }
}

const children = new Set<Child>();
const killAll = () => {
  for (const child of children) if (child.running) child.process.kill("SIGKILL");
};
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

const notInspector = (line: string) => !/^(Debugger listening on|Visit chrome:\/\/inspect)/.test(line);

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0);

async function runOnce(subscribers: number) {
  const hosts = subProcessesFor(subscribers);
  const started: Child[] = [];
  try {
    const relay = new Child("relay", [
      "run",
      ...INSPECT,
      "--unstable-net",
      "--allow-net",
      "--allow-read",
      "packages/relay/src/main.ts",
      "--port",
      "0",
      "--quiet",
      ...RELAY_ARGS,
    ]);
    started.push(relay);
    const banner = await relay.waitFor(
      () => relay.lines.find((line) => line.startsWith("moqkit relay listening ")),
      "listening line",
      20_000,
    );
    const port = Number(/:(\d+) certificate-sha256=/.exec(banner)?.[1]);

    const peer = (script: string, flags: string[] = []) => [
      "run",
      ...flags,
      "--unstable-net",
      "--allow-net",
      "--allow-read",
      `bench/relay-fanout/${script}`,
    ];
    const publisher = new Child("publisher", [
      ...peer("publisher.ts"),
      "--port",
      String(port),
      "--rate",
      String(RATE),
      "--object-bytes",
      String(OBJECT_BYTES),
      "--expires-ms",
      String(EXPIRES_MS),
      "--max-seconds",
      String(SECONDS + 300),
    ]);
    started.push(publisher);
    await publisher.waitForEvent("ready", 30_000);

    // `hosts` niced processes share the sessions; PROBES more sessions run in one extra process at
    // normal priority, so their delays show what the relay gives a subscriber with a core to spare.
    const probes = Math.min(PROBES, subscribers - 1);
    const loadSessions = subscribers - probes;
    const plan = [
      ...Array.from({ length: hosts }, (_, index) => ({
        sessions: Math.floor(loadSessions / hosts) + (index < loadSessions % hosts ? 1 : 0),
        niceness: CLIENT_NICE,
        probe: false,
      })),
      ...(probes > 0 ? [{ sessions: probes, niceness: 0, probe: true }] : []),
    ].filter((entry) => entry.sessions > 0);
    const subscriberHosts = plan.map(({ sessions, niceness, probe }, index) => {
      const host = new Child(
        probe ? "probe subscribers" : `subscribers#${index}`,
        [
          ...peer("subscribers.ts", index === 0 ? INSPECT : []),
          "--port",
          String(port),
          "--sessions",
          String(sessions),
          "--max-groups",
          String(Math.ceil((SECONDS + 300) * RATE)),
        ],
        niceness,
      );
      started.push(host);
      return host;
    });
    const readies = await Promise.all(
      subscriberHosts.map((host) => host.waitForEvent("ready", 60_000 + subscribers * 1_000)),
    );

    // Every subscriber has its SUBSCRIBE_OK (or failed to get one).
    const profilers =
      PROFILE_DIR === undefined
        ? []
        : await Promise.all(
            [
              { name: "relay", target: relay },
              { name: "subscribers", target: subscriberHosts[0] as Child },
            ].map(async ({ name, target }) => {
              const inspector = await target.waitFor(() => target.inspector, "inspector URL", 10_000);
              const profiler = new Child(`${name} profiler`, [
                ...peer("profile.ts", [`--allow-write=${PROFILE_DIR}`]),
                "--ws",
                inspector,
                "--out",
                join(PROFILE_DIR, `${name}-${subscribers}.cpuprofile`),
              ]);
              started.push(profiler);
              await profiler.waitForEvent("ready", 20_000);
              return { name, profiler };
            }),
          );
    // Groups flow from here: the publisher was told to hold them while the subscribers set up.
    const windowStart = now();
    publisher.send("start");
    const machineAtStart = machineBusySeconds();
    const loadAtStart = loadavg()[0] ?? 0;
    const relayCpuAtStart = cpuSeconds(relay.pid);
    const publisherCpuAtStart = cpuSeconds(publisher.pid);
    const hostsCpuAtStart = subscriberHosts.map((host) => cpuSeconds(host.pid));
    await delay(SECONDS * 1000);
    const windowEnd = now();
    for (const { profiler } of profilers) profiler.send("stop");
    const relayCpuAtEnd = cpuSeconds(relay.pid);
    const publisherCpu = cpuSeconds(publisher.pid);
    const hostsCpuAtEnd = subscriberHosts.map((host) => cpuSeconds(host.pid));
    const machineBusy = machineBusySeconds() - machineAtStart;
    publisher.send("stop");
    const published = await publisher.waitForEvent("report", 10_000);
    await delay(DRAIN_MS);
    const hostsCpu = subscriberHosts.map((host) => cpuSeconds(host.pid));
    const hostsPeakRss = subscriberHosts.map((host) => peakRssMiB(host.pid));
    for (const host of subscriberHosts) host.send("report");
    const reports = await Promise.all(subscriberHosts.map((host) => host.waitForEvent("report", 30_000)));
    const relayCpu = cpuSeconds(relay.pid);
    const relayPeakRss = peakRssMiB(relay.pid);

    const profiles = Object.fromEntries(
      await Promise.all(
        profilers.map(async ({ name, profiler }) => {
          const { event: _, ...summary } = await profiler.waitForEvent("report", 60_000);
          return [name, summary] as const;
        }),
      ),
    );
    const sends = published.sends as [number, number][];
    const offeredGroups = new Set(
      sends.filter(([, sentAt]) => sentAt >= windowStart && sentAt < windowEnd).map(([sequence]) => sequence),
    );
    const sessions = reports.flatMap((report, index) =>
      (report.sessions as SessionReport[]).map((session) => ({ ...session, probe: plan[index]?.probe === true })),
    );
    let delivered = 0;
    let worst = 1;
    const delays: number[] = [];
    const probeDelays: number[] = [];
    let probeDelivered = 0;
    const errors = new Map<string, number>();
    let malformed = 0;
    let empty = 0;
    let reset = 0;
    for (const session of sessions) {
      const seen = new Set<number>();
      session.seqs.forEach((sequence, index) => {
        if (!offeredGroups.has(sequence) || seen.has(sequence)) return;
        seen.add(sequence);
        delays.push(session.delays[index] ?? Number.NaN);
        if (session.probe) probeDelays.push(session.delays[index] ?? Number.NaN);
      });
      delivered += seen.size;
      if (session.probe) probeDelivered += seen.size;
      worst = Math.min(worst, offeredGroups.size === 0 ? 1 : seen.size / offeredGroups.size);
      malformed += session.malformed;
      empty += session.empty;
      reset += session.reset;
      if (session.error !== undefined) errors.set(session.error, (errors.get(session.error) ?? 0) + 1);
    }
    const sorted = Float64Array.from(delays).sort();
    const probeSorted = Float64Array.from(probeDelays).sort();
    const offered = offeredGroups.size * subscribers;
    const ratio = offered === 0 ? 0 : delivered / offered;
    const tick = published.tickLateMs as { p50: number; p99: number; max: number };
    return {
      subscribers,
      subscriberProcesses: subscriberHosts.length,
      windowSeconds: round((windowEnd - windowStart) / 1000, 3),
      setupSeconds: round(Math.max(...readies.map((ready) => Number(ready.setupMs))) / 1000),
      offered,
      delivered,
      deliveredRatio: round(ratio, 5),
      worstSubscriberRatio: round(worst, 5),
      delayMs: {
        p50: round(percentile(sorted, 0.5)),
        p95: round(percentile(sorted, 0.95)),
        p99: round(percentile(sorted, 0.99)),
        max: round(sorted[sorted.length - 1] ?? Number.NaN),
      },
      probes: {
        subscribers: probes,
        deliveredRatio: probes === 0 ? null : round(probeDelivered / (offeredGroups.size * probes), 5),
        delayMs: {
          p50: round(percentile(probeSorted, 0.5)),
          p95: round(percentile(probeSorted, 0.95)),
          max: round(probeSorted[probeSorted.length - 1] ?? Number.NaN),
        },
      },
      relay: {
        cpuSeconds: round(relayCpu),
        cpuSecondsInWindow: round(relayCpuAtEnd - relayCpuAtStart),
        cpuPercentInWindow: round(((relayCpuAtEnd - relayCpuAtStart) / ((windowEnd - windowStart) / 1000)) * 100, 1),
        peakRssMiB: round(relayPeakRss, 1),
      },
      publisher: {
        cpuSeconds: round(publisherCpu),
        cpuSecondsInWindow: round(publisherCpu - publisherCpuAtStart),
        tickLateMs: { p50: round(tick.p50), p99: round(tick.p99), max: round(tick.max) },
      },
      // Other processes on the machine compete for its cores: what the window saw besides this benchmark.
      machine: {
        loadAverage1m: [round(loadAtStart), round(loadavg()[0] ?? 0)],
        busyCpuSecondsInWindow: round(machineBusy),
        otherCpuSecondsInWindow: round(
          machineBusy -
            (relayCpuAtEnd - relayCpuAtStart) -
            (publisherCpu - publisherCpuAtStart) -
            hostsCpuAtEnd.reduce((sum, cpu, index) => sum + cpu - (hostsCpuAtStart[index] ?? 0), 0),
        ),
      },
      subscriberHosts: {
        cpuSeconds: hostsCpu.map((cpu) => round(cpu)),
        peakRssMiB: hostsPeakRss.map((rss) => round(rss, 1)),
        cpuSecondsInWindow: hostsCpuAtEnd.map((cpu, index) => round(cpu - (hostsCpuAtStart[index] ?? 0))),
      },
      ...(subscribers >= 200 ? { meetsGoal: ratio >= 0.99 && percentile(sorted, 0.95) <= 50 } : {}),
      ...(empty > 0 ? { emptyGroups: empty } : {}),
      ...(reset > 0 ? { resetGroups: reset } : {}),
      ...(malformed > 0 ? { malformed } : {}),
      ...(errors.size > 0 ? { sessionErrors: Object.fromEntries(errors) } : {}),
      ...(relay.stderr.some(notInspector) ? { relayStderr: relay.stderr.filter(notInspector).slice(-5) } : {}),
      ...(subscriberHosts.some((host) => host.stderr.some(notInspector))
        ? { subscriberStderr: subscriberHosts.flatMap((host) => host.stderr.filter(notInspector).slice(-5)) }
        : {}),
      ...(PROFILE_DIR === undefined ? {} : { profiles }),
    };
  } catch (error) {
    const exited = started
      .filter((child) => !child.running)
      .map(
        (child) =>
          `${child.name} exited (${child.process.exitCode ?? child.process.signalCode}): ${child.stderr.filter(notInspector).slice(-3).join(" | ")}`,
      );
    return {
      subscribers,
      subscriberProcesses: hosts,
      error: error instanceof Error ? error.message : String(error),
      ...(exited.length > 0 ? { exited } : {}),
    };
  } finally {
    await Promise.all(started.reverse().map((child) => child.stop()));
  }
}

const runs: Awaited<ReturnType<typeof runOnce>>[] = [];
for (const subscribers of SUBSCRIBERS) runs.push(await runOnce(subscribers));
console.log(
  JSON.stringify({
    benchmark: "relay-fanout",
    cores: cpus().length,
    seconds: SECONDS,
    groupsPerSecond: RATE,
    objectBytes: OBJECT_BYTES,
    offeredMbps: round((RATE * OBJECT_BYTES * 8) / 1e6, 3),
    drainMs: DRAIN_MS,
    goal: "N=200: deliveredRatio >= 0.99 and delayMs.p95 <= 50",
    runs,
  }),
);
if (runs.some((run) => "error" in run)) process.exitCode = 1;
