// The publisher of bench/relay-fanout.ts (Deno): one MoQT session to the relay, namespace "bench",
// track "data": one group per tick (30/s by default) holding one object of OBJECT_BYTES bytes whose
// first 8 bytes are the send time (epoch ms, float64) and next 4 the group sequence.
// Prints {"event":"ready"} once PUBLISH_NAMESPACE_OK is in, publishes from "start" on stdin until
// "stop" (or --max-seconds), then prints {"event":"report", sends: [[sequence, sentAtMs], ...], ...}.
import { createTrack } from "@moqkit/sdk/cache";
import { arg, emit, errorText, fetchPem, moqSession, now, waitForCommand, withTimeout } from "./common.ts";

const port = Number(arg("port"));
const rate = Number(arg("rate", "30"));
const objectBytes = Number(arg("object-bytes", "4096"));
const expiresMs = Number(arg("expires-ms", "2000"));
const maxSeconds = Number(arg("max-seconds", "600"));

let closedWith = "";
try {
  const session = await withTimeout(
    fetchPem(port).then((pem) => moqSession(port, pem)),
    20_000,
    "the publisher's session",
  );
  void session.closed.then((error) => {
    closedWith = `; the session closed (${error.remote ? "by the relay" : "locally"}): ${error.code} ${error.message}`;
  });
  const broadcast = session.publish(["bench"]);
  const [publisher, root] = createTrack("data");
  // MAX_CACHE_DURATION: the relay's and the subscribers' caches hold groups as long as the publisher's.
  broadcast.addTrack("data", root, { maxCacheDurationMs: expiresMs });
  await withTimeout(broadcast.ready, 10_000, "PUBLISH_NAMESPACE_OK");
  await emit({ event: "ready" });
  // Groups flow once every subscriber is set up ("start"), so connection setup is not measured.
  if ((await waitForCommand("start")) === undefined) Deno.exit(0);

  const sends: [number, number][] = [];
  const lateMs: number[] = [];
  const payload = new Uint8Array(objectBytes);
  for (let i = 12; i < objectBytes; i++) payload[i] = i & 0xff;
  const periodMs = 1000 / rate;
  const maxGroups = Math.ceil(maxSeconds * rate);
  const start = now();
  let stopped = false;
  void waitForCommand("stop").then(() => {
    stopped = true;
  });

  // Ticks on an absolute schedule, so a late timer does not shift the later groups.
  for (let sequence = 0; sequence < maxGroups && !stopped; sequence++) {
    const due = start + sequence * periodMs;
    const wait = due - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (stopped) break;
    const sentAt = now();
    lateMs.push(sentAt - due);
    // Each group gets its own bytes: the cache may still hold earlier ones (zero-copy).
    const object = payload.slice();
    const objectView = new DataView(object.buffer);
    objectView.setFloat64(0, sentAt);
    objectView.setUint32(8, sequence);
    const segment = publisher.createSegment({ sequence, priority: 0, expiresMs });
    segment.writeChunk(object);
    segment.close();
    sends.push([sequence, Math.round(sentAt * 1000) / 1000]);
  }
  lateMs.sort((a, b) => a - b);
  await emit({
    event: "report",
    sends,
    tickLateMs: {
      p50: lateMs[Math.floor(lateMs.length * 0.5)] ?? 0,
      p99: lateMs[Math.floor(lateMs.length * 0.99)] ?? 0,
      max: lateMs[lateMs.length - 1] ?? 0,
    },
  });
  Deno.exit(0);
} catch (error) {
  await emit({ event: "error", message: `${errorText(error)}${closedWith}` });
  Deno.exit(1);
}
