// The relay soak (pnpm bench:soak runs this): publisher → relay → 3 subscribers for MINUTES (default
// 10), 30 groups/s of one small object each, sampling every SAMPLE_SECONDS (default 10) the relay's
// RSS (VmRSS of /proc/<pid>/status) and its live JS heap: the relay runs with --inspect on loopback
// (no relay code changes), and each sample asks its V8 inspector for a garbage collection
// (HeapProfiler.collectGarbage) then Runtime.getHeapUsage, so the heap figure is what is still
// reachable. Growth is measured after the first minute: the last sample against the first one at or
// after WARMUP_SECONDS (default 60), as a percentage, for RSS and heap. Errors: groups a subscriber
// missed or got corrupt, gaps above MAX_GAP_MS (default 2000), sessions that closed. Prints one JSON
// summary with every sample; exits 1 unless both growths are under MAX_GROWTH_PCT (default 10) and
// there are no errors.
import { delay, stopRelay, withTimeout } from "../src/relay-process.ts";
import { GoodStream, type GoodStreamReport } from "./good-stream.ts";
import { Inspector, rssMiB, startInspectedRelay } from "./inspected-relay.ts";

export interface SoakOptions {
  durationMs: number;
  sampleMs: number;
  warmupMs: number;
  subscribers: number;
  rate: number;
  maxGrowthPct: number;
  maxGapMs: number;
}

export const DEFAULT_SOAK_OPTIONS: SoakOptions = {
  durationMs: 10 * 60_000,
  sampleMs: 10_000,
  warmupMs: 60_000,
  subscribers: 3,
  rate: 30,
  maxGrowthPct: 10,
  maxGapMs: 2_000,
};

export interface SoakSample {
  /** Seconds since the groups started. */
  t: number;
  rssMiB: number;
  /** The relay's JS heap in use after a full GC (MiB). */
  heapMiB: number;
  /** Groups sent so far, and the fewest any subscriber received. */
  groupsSent: number;
  groupsReceived: number;
}

export interface SoakSummary {
  ok: boolean;
  failures: string[];
  minutes: number;
  subscribers: number;
  rate: number;
  /** The sample growth is measured from (the first at or after the warm-up). */
  baseline: SoakSample | undefined;
  last: SoakSample | undefined;
  rssGrowthPct: number;
  heapGrowthPct: number;
  maxGrowthPct: number;
  errors: number;
  errorDetails: string[];
  goodStream: GoodStreamReport;
  samples: SoakSample[];
}

const growth = (from: number, to: number) => Math.round(((to - from) / from) * 1000) / 10;

export async function runSoak(given: Partial<SoakOptions> = {}): Promise<SoakSummary> {
  const options = { ...DEFAULT_SOAK_OPTIONS, ...given };
  const { relay, inspector: inspectorUrl } = await startInspectedRelay();
  let inspector: Inspector | undefined;
  try {
    inspector = await Inspector.open(inspectorUrl);
    await inspector.call("Runtime.enable");
    const good = await GoodStream.open(relay, { name: "soak", subscribers: options.subscribers, rate: options.rate });
    const samples: SoakSample[] = [];
    const begin = performance.now();
    good.start(Math.ceil((options.durationMs / 1000 + 60) * options.rate));
    const sample = async () => {
      const heapMiB = await (inspector as Inspector).liveHeapMiB();
      const report = good.report();
      samples.push({
        t: Math.round((performance.now() - begin) / 100) / 10,
        rssMiB: await rssMiB(relay.child.pid),
        heapMiB,
        groupsSent: report.groupsExpected,
        groupsReceived: report.groupsReceived,
      });
    };
    await sample();
    // Bounded: one sample per period until the duration is up.
    const count = Math.floor(options.durationMs / options.sampleMs);
    for (let i = 1; i <= count; i++) {
      const due = begin + i * options.sampleMs;
      await delay(Math.max(0, due - performance.now()));
      await sample();
    }
    const report = await good.stop();
    const baseline = samples.find((s) => s.t * 1000 >= options.warmupMs) ?? samples[0];
    const last = samples[samples.length - 1];
    const rssGrowthPct = baseline && last ? growth(baseline.rssMiB, last.rssMiB) : 0;
    const heapGrowthPct = baseline && last ? growth(baseline.heapMiB, last.heapMiB) : 0;
    const errorDetails = [
      ...report.sessionErrors,
      ...report.subscribers.flatMap((s, i) => [
        ...(s.missing > 0 ? [`subscriber ${i} missed ${s.missing} groups`] : []),
        ...(s.corrupt > 0 ? [`subscriber ${i} got ${s.corrupt} corrupt objects`] : []),
        ...(s.maxGapMs > options.maxGapMs ? [`subscriber ${i} waited ${s.maxGapMs} ms between groups`] : []),
      ]),
      ...relay.errors.filter((line) => /error/i.test(line) && !/Debugger|Visit chrome/.test(line)),
    ];
    const failures = [
      ...(rssGrowthPct >= options.maxGrowthPct ? [`relay RSS grew ${rssGrowthPct} %`] : []),
      ...(heapGrowthPct >= options.maxGrowthPct ? [`relay live heap grew ${heapGrowthPct} %`] : []),
      ...(errorDetails.length > 0 ? [`${errorDetails.length} errors`] : []),
      ...(baseline === last ? ["too few samples to measure growth"] : []),
    ];
    return {
      ok: failures.length === 0,
      failures,
      minutes: Math.round((options.durationMs / 60_000) * 100) / 100,
      subscribers: options.subscribers,
      rate: options.rate,
      baseline,
      last,
      rssGrowthPct,
      heapGrowthPct,
      maxGrowthPct: options.maxGrowthPct,
      errors: errorDetails.length,
      errorDetails,
      goodStream: report,
      samples,
    };
  } finally {
    inspector?.close();
    await withTimeout(stopRelay(relay), 10_000, "the relay to stop").catch(() => relay.child.kill("SIGKILL"));
  }
}

function setting(env: string, fallback: number): number {
  const text = Deno.env.get(env);
  const value = text === undefined || text === "" ? fallback : Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${env} must be a positive number, got ${text}`);
  return value;
}

if (import.meta.main) {
  const minutes = setting("MINUTES", DEFAULT_SOAK_OPTIONS.durationMs / 60_000);
  const summary = await runSoak({
    durationMs: minutes * 60_000,
    sampleMs: setting("SAMPLE_SECONDS", 10) * 1000,
    warmupMs: setting("WARMUP_SECONDS", Math.min(60, (minutes * 60) / 3)) * 1000,
    subscribers: setting("SUBSCRIBERS", DEFAULT_SOAK_OPTIONS.subscribers),
    rate: setting("RATE", DEFAULT_SOAK_OPTIONS.rate),
    maxGrowthPct: setting("MAX_GROWTH_PCT", DEFAULT_SOAK_OPTIONS.maxGrowthPct),
    maxGapMs: setting("MAX_GAP_MS", DEFAULT_SOAK_OPTIONS.maxGapMs),
  });
  console.log(JSON.stringify(summary));
  Deno.exit(summary.ok ? 0 : 1);
}
