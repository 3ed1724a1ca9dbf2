import { GoodStream } from "./good-stream.ts";
import { Inspector, startInspectedRelay } from "./inspected-relay.ts";
import { stopRelay } from "../src/relay-process.ts";

const { relay, inspector: url } = await startInspectedRelay();
const inspector = await Inspector.open(url);
// A second socket listener for snapshot chunks.
const ws = new WebSocket(url);
await new Promise((r) => (ws.onopen = r));
let chunks: string[] = [];
let nextId = 1;
const waiters = new Map<number, () => void>();
ws.onmessage = (m) => {
  const d = JSON.parse(String(m.data));
  if (d.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(d.params.chunk);
  if (d.id !== undefined) waiters.get(d.id)?.();
};
const call = (method: string, params = {}) =>
  new Promise<void>((r) => {
    const id = nextId++;
    waiters.set(id, r);
    ws.send(JSON.stringify({ id, method, params }));
  });
async function snapshot(): Promise<Map<string, [number, number]>> {
  await inspector.liveHeapMiB();
  chunks = [];
  await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  const snap = JSON.parse(chunks.join(""));
  const f = snap.snapshot.meta.node_fields as string[];
  const types = snap.snapshot.meta.node_types[0] as string[];
  const n = f.length;
  const counts = new Map<string, [number, number]>();
  const nodes = snap.nodes as number[];
  for (let i = 0; i < nodes.length; i += n) {
    const key = `${types[nodes[i + f.indexOf("type")]!]}:${String(snap.strings[nodes[i + f.indexOf("name")]!]).slice(0, 80)}`;
    const c = counts.get(key) ?? [0, 0];
    c[0]++;
    c[1] += nodes[i + f.indexOf("self_size")]!;
    counts.set(key, c);
  }
  return counts;
}
const good = await GoodStream.open(relay, { name: "diag", subscribers: 3 });
good.start(100000);
await new Promise((r) => setTimeout(r, 30_000));
const a = await snapshot();
await new Promise((r) => setTimeout(r, 90_000));
const b = await snapshot();
const rows = [...b].map(([k, [n, s]]) => [k, n - (a.get(k)?.[0] ?? 0), s - (a.get(k)?.[1] ?? 0)] as const);
rows.sort((x, y) => y[2] - x[2]);
for (const r of rows.slice(0, 30)) console.log(r.join("\t"));
console.log("groups", good.report().groupsExpected);
await good.stop();
inspector.close();
ws.close();
await stopRelay(relay);
Deno.exit(0);
