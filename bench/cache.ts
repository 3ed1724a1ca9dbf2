// Track cache throughput: 1 publisher -> 1, 10 and 100 subscribers, against @moq/lite 0.2.2's in-memory
// Track/Group (its public API) with the same workload, in the same run. Prints one JSON line.
//
// Workload: 60 s of media at 30 segments per second (1,800 segments), each segment 4 chunks of 1 KiB,
// compressed into a tight loop: the publisher yields to the event loop once per second of media,
// and every subscriber reads every chunk of every segment. Run: pnpm bench:cache
import { setImmediate } from "node:timers";
import { Track } from "@moq/lite";
import { createTrack } from "@moqkit/sdk/cache";

const SEGMENTS = Number(process.env.SEGMENTS ?? 1_800);
const SEGMENTS_PER_SECOND = 30;
const CHUNKS_PER_SEGMENT = 4;
const CHUNK = new Uint8Array(1024).fill(7);
const SUBSCRIBERS = (process.env.SUBS ? [Number(process.env.SUBS)] : [1, 10, 100]) as readonly number[];
const REPEATS = 9;

interface Run {
  seconds: number;
  delivered: number;
  chunks: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function moqkit(subscribers: number): Promise<Run> {
  const [publisher, first] = createTrack("bench");
  const readers = [first, ...Array.from({ length: subscribers - 1 }, () => first.clone())];
  let delivered = 0;
  let chunks = 0;
  const start = performance.now();
  const reading = readers.map(async (reader) => {
    for (let segment = await reader.nextSegment(); segment !== undefined; segment = await reader.nextSegment()) {
      while ((await segment.readChunk()) !== undefined) chunks++;
      segment.close();
      delivered++;
    }
  });
  for (let sequence = 0; sequence < SEGMENTS; sequence++) {
    const segment = publisher.createSegment({ sequence, priority: 0 });
    for (let i = 0; i < CHUNKS_PER_SEGMENT; i++) segment.writeChunk(CHUNK);
    segment.close();
    if (sequence % SEGMENTS_PER_SECOND === SEGMENTS_PER_SECOND - 1) await yieldToEventLoop();
  }
  publisher.close();
  await Promise.all(reading);
  return { seconds: (performance.now() - start) / 1000, delivered, chunks };
}

/** @moq/lite has no fan-out handle: each subscriber gets its own Track (as Broadcast.subscribe does). */
async function moqLite(subscribers: number): Promise<Run> {
  const tracks = Array.from({ length: subscribers }, () => new Track("bench"));
  let delivered = 0;
  let chunks = 0;
  const start = performance.now();
  const reading = tracks.map(async (track) => {
    for (let group = await track.recvGroup(); group !== undefined; group = await track.recvGroup()) {
      while ((await group.readFrame()) !== undefined) chunks++;
      delivered++;
    }
  });
  for (let sequence = 0; sequence < SEGMENTS; sequence++) {
    for (const track of tracks) {
      const group = track.appendGroup();
      for (let i = 0; i < CHUNKS_PER_SEGMENT; i++) group.writeFrame(CHUNK);
      group.close();
    }
    if (sequence % SEGMENTS_PER_SECOND === SEGMENTS_PER_SECOND - 1) await yieldToEventLoop();
  }
  for (const track of tracks) track.close();
  await Promise.all(reading);
  return { seconds: (performance.now() - start) / 1000, delivered, chunks };
}

/** Median of REPEATS runs, after one warm-up; checks that every segment and chunk reached every subscriber. */
async function measure(run: (subscribers: number) => Promise<Run>, subscribers: number, name: string) {
  await run(subscribers);
  const runs: Run[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const result = await run(subscribers);
    if (result.delivered !== SEGMENTS * subscribers || result.chunks !== SEGMENTS * subscribers * CHUNKS_PER_SEGMENT) {
      throw new Error(`${name} with ${subscribers} subscribers lost data: ${JSON.stringify(result)}`);
    }
    runs.push(result);
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  const median = runs[Math.floor(runs.length / 2)] as Run;
  return {
    insertedPerSec: Math.round(SEGMENTS / median.seconds),
    deliveredPerSec: Math.round(median.delivered / median.seconds),
    chunkMBps: Number(((median.chunks * CHUNK.byteLength) / median.seconds / 1e6).toFixed(1)),
    ms: Number((median.seconds * 1000).toFixed(2)),
  };
}

const results = [];
for (const subscribers of SUBSCRIBERS) {
  const ours = await measure(moqkit, subscribers, "moqkit");
  const peer = await measure(moqLite, subscribers, "@moq/lite");
  results.push({
    subscribers,
    moqkit: ours,
    moqLite: peer,
    ratio: Number((ours.deliveredPerSec / peer.deliveredPerSec).toFixed(2)),
  });
}
const at100 = results.find((result) => result.subscribers === 100);
console.log(
  JSON.stringify({
    benchmark: "cache",
    workload: { segments: SEGMENTS, segmentsPerMediaSecond: SEGMENTS_PER_SECOND, chunksPerSegment: CHUNKS_PER_SEGMENT },
    chunkBytes: CHUNK.byteLength,
    repeats: REPEATS,
    node: process.version,
    peer: "@moq/lite 0.2.2",
    results,
    goal: { subscribers: 100, minRatio: 2, ratio: at100?.ratio, met: (at100?.ratio ?? 0) >= 2 },
  }),
);
