// CPU profile of a Deno process started with --inspect (bench/relay-fanout.ts, PROFILE_DIR=...):
// connects to its inspector, samples while the benchmark's window runs, and on "stop" on stdin
// writes a .cpuprofile (open it in Chrome DevTools) and prints {"event":"report", summary}: self
// time by function and by file, (idle), (program) (native work outside JS: QUIC, TLS, I/O) and
// (garbage collector).
import { arg, emit, errorText, waitForCommand, withTimeout } from "./common.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const url = arg("ws");
const out = arg("out");
const top = Number(arg("top", "25"));

const socket = new WebSocket(url);
let nextId = 1;
const pending = new Map<number, (result: unknown) => void>();
socket.onmessage = (message) => {
  const data = JSON.parse(String(message.data)) as { id?: number; result?: unknown; error?: unknown };
  if (data.id !== undefined) pending.get(data.id)?.(data.error === undefined ? data.result : { error: data.error });
};
const call = (method: string, params: Record<string, unknown> = {}) =>
  withTimeout(
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    }),
    30_000,
    method,
  );

const short = (file: string) => file.replace(/^file:\/\/.*?\/(packages|bench)\//, "$1/").replace(/^ext:/, "ext:");

try {
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error("inspector connection failed"));
    }),
    10_000,
    "the inspector",
  );
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 500 });
  await call("Profiler.start");
  await emit({ event: "ready" });
  await waitForCommand("stop");
  const { profile } = (await call("Profiler.stop")) as { profile: Profile };
  await Deno.writeTextFile(out, JSON.stringify(profile));

  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    total += us;
    const file = frame.url === "" ? frame.functionName : short(frame.url);
    const name =
      frame.url === "" ? frame.functionName : `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / total) * 1000) / 10 }));
  await emit({
    event: "report",
    file: out,
    sampledMs: Math.round(total / 1000),
    selfByFunction: ranked(byFunction),
    selfByFile: ranked(byFile),
  });
  Deno.exit(0);
} catch (error) {
  await emit({ event: "error", message: errorText(error) });
  Deno.exit(1);
}
