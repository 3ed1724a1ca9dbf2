// moqkit end to end, beside moq-dev's stack and WebRTC, in one run (issue 12, "The comparison").
// One source page draws the wall-clock time as the meter's block code (e2e/meter/pixel-code.ts) on a
// 640x480 canvas and captures it with captureStream(30); that one track feeds every pipeline:
// - A:  moqkit's Publisher → the relay → moqkit's Player (its canvas);
// - B:  @moq/publish 0.2.17 (a clone of the track as its video source) → the relay → <moq-watch> 0.4.6
//       (a canvas child) at its default latency; B0: the same broadcast, a second <moq-watch> with
//       latency="0" set before it is connected;
// - C:  WebRTC, an RTCPeerConnection from the source page to a viewer page over loopback (no relay), <video>.
// One relay process, one browser, each page in its own context. All pipelines play all the time; the
// meter reads one of them at a time, in windows alternating A/B/B0/C/A/B/B0/C..., so machine drift
// hits all alike. Per pipeline: glass-to-glass latency p50/p95/p99 (each picture counted once, when
// it first becomes readable), pictures shown per second, the viewing page's main-thread busy time and
// JS heap (CDP). Then congestion, from that steady state: the relay's send rate capped (POST
// /test/send-rate, --test-controls) at half the stream's measured bitrate for CAP_SECONDS, then
// lifted, for A, then for B and B0 together. Then TRIES first-frame tries per pipeline on the live
// broadcast (interleaved across pipelines).
// Writes bench/out/e2e-summary.json and bench/out/e2e-latency.png and prints the JSON summary.
// Run: pnpm bench:e2e (WINDOW_SECONDS=20 ROUNDS=3 WARMUP=5 TRIES=10 CAP_SECONDS=10 CONGESTION=1;
// PIPES=A,B,B0,C picks pipelines; DEBUG=1 logs pages).

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import type { CDPSession, Page } from "playwright-core";
import type { E2eBenchPage, EncodedCount } from "../e2e/fixtures/e2e-bench/main.ts";
import type { FirstFrameTry, FirstPicture, PlayerSample } from "../e2e/fixtures/player-bench/main.ts";
import type { MeterWindow } from "../e2e/fixtures/player-bench/timed-meter.ts";
import { wallClock as wall } from "../e2e/meter/pixel-code.ts";
import { startRelay } from "../e2e/relay.ts";
import {
  type Busy,
  benchRun,
  busy,
  busyPct,
  cdpFor,
  connectRtc,
  envNumber,
  firstPictureSummary,
  launchBenchBrowser,
  measureConnects,
  median,
  openBenchPage,
  pct,
  round1,
  round2,
  sleep,
  spread,
  within,
} from "./browser-bench.ts";
import { type PlotSeries, savePlot } from "./e2e-plot.ts";
import { startFixtureServer } from "./fixture-server.ts";
import {
  firstFrameSummary,
  meterSummary,
  playerStatsSummary,
  playerWindowBreakdown,
  rtcStatsSummary,
  startupSummary,
} from "./player-summaries.ts";

declare const bench: E2eBenchPage;

const WINDOW_SECONDS = envNumber("WINDOW_SECONDS", 20, 2, 120);
const ROUNDS = Math.round(envNumber("ROUNDS", 3, 1, 20));
const WARMUP = envNumber("WARMUP", 5, 0, 60);
const TRIES = Math.round(envNumber("TRIES", 10, 0, 30));
const CAP_SECONDS = envNumber("CAP_SECONDS", 10, 2, 60);
/** Metered before the cap and after it is lifted (s). */
const PRE_CAP_SECONDS = 5;
const POST_CAP_SECONDS = 10;
const CONGESTION = process.env.CONGESTION !== "0";

type Pipe = "A" | "B" | "B0" | "C";
const ALL_PIPES: Pipe[] = ["A", "B", "B0", "C"];
const PIPES = ALL_PIPES.filter((p) => (process.env.PIPES ?? "A,B,B0,C").split(",").includes(p));

const DESCRIPTION: Record<Pipe, string> = {
  A: "moqkit Publisher -> relay -> moqkit Player (canvas)",
  B: "@moq/publish 0.2.17 -> relay -> <moq-watch> 0.4.6 (canvas), default latency",
  B0: '@moq/publish 0.2.17 -> relay -> <moq-watch> 0.4.6 (canvas), latency="0"',
  C: "WebRTC: RTCPeerConnection over loopback (no relay) -> <video>",
};
/** What the meter reads on each pipeline's page. */
const METER_TARGET: Record<Pipe, string> = { A: "player", B: "watch", B0: "watch", C: "video" };
/** The <moq-watch> pipelines and their latency attribute (null: none, its default). */
const WATCHES = ["B", "B0"] as const;
const WATCH_LATENCY: Record<(typeof WATCHES)[number], string | null> = { B: null, B0: "0" };
/** The publishers' group (key frame) intervals, ms: moqkit's default, @moq/publish's default. */
const GROUP_MS: Record<Pipe, number> = { A: 1000, B: 2000, B0: 2000, C: Number.NaN };

/** Issue 12's goals for moqkit (A). */
const GOALS = {
  p50Ms: 40,
  p95Ms: 60,
  p50RatioToMoqWatchLatency0: 0.6,
  p50RatioToWebrtc: 1.2,
  firstFrameMs: 150,
  firstFrameRatioToMoqWatch: 0.5,
  congestionP95Ms: 500,
  recoverySeconds: 2,
} as const;

/** A start-up try gives up after this long (ms). */
const TRY_TIMEOUT_MS = 8000;
const PER_TRY_SECONDS = 5 * 12;
const BUDGET_MS =
  (WARMUP + ROUNDS * PIPES.length * (WINDOW_SECONDS + 5) + TRIES * PER_TRY_SECONDS + 2 * 45 + 240) * 1000;

interface Window {
  pipe: Pipe;
  round: number;
  meter: MeterWindow;
  /** Each viewing page's main-thread busy % of one core over the window. */
  busy: Partial<Record<Pipe, number>>;
  /** Each viewing page's JS heap at the window's end (MB). */
  heapMb: Partial<Record<Pipe, number>>;
  /** The source page's main-thread busy % (drawing, capture, @moq/publish's encoder feed, WebRTC's sender). */
  sourceBusy: number;
  /** The whole machine's CPU busy % (of all cores) over the window: everything running, ours or not. */
  machineBusy: number;
}

interface CapPhase {
  pipes: Pipe[];
  kbps: number;
  capKbps: number;
  capFrom: number;
  capTo: number;
  meters: Partial<Record<Pipe, MeterWindow>>;
  /** @moq/publish's encoder output kbit/s during the cap (B): it goes on at full rate if its session is not capped. */
  moqPublishKbps: number;
}

/** The whole machine's CPU time so far (ms): busy and all, summed over the cores. */
function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

async function setSendRate(relayHttp: string, kbps: number): Promise<void> {
  const response = await within(
    fetch(`${relayHttp}/test/send-rate?kbps=${kbps}`, { method: "POST" }),
    5000,
    "POST /test/send-rate",
  );
  if (!response.ok) throw new Error(`POST /test/send-rate?kbps=${kbps}: ${response.status} ${await response.text()}`);
}

/** Kbit/s between two counts of @moq/publish's encoder output. */
const encodedKbps = (a: EncodedCount, b: EncodedCount) => ((b.bytes - a.bytes) * 8) / (b.at - a.at);

/** Kbit/s of the Player's received bytes over [from, to] (its stats events). */
function playerKbps(samples: PlayerSample[], from: number, to: number): number {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const first = inside[0];
  const last = inside.at(-1);
  if (first === undefined || last === undefined || last.at <= first.at) return Number.NaN;
  return ((last.stats.bytesReceived - first.stats.bytesReceived) * 8) / (last.at - first.at);
}

/**
 * The congestion phase read from one pipeline's meter: latency during the cap, whether the newest
 * group stayed on screen, and how long after the cap the latency came back under the target.
 */
function congestionSummary(pipe: Pipe, meter: MeterWindow, phase: CapPhase, goalP95Ms: number) {
  const points = meter.samples.map((latency, i) => ({ at: meter.times[i] as number, latency })).slice(1);
  const before = points.filter((p) => p.at < phase.capFrom).map((p) => p.latency);
  const during = points.filter((p) => p.at >= phase.capFrom && p.at < phase.capTo);
  const after = points.filter((p) => p.at >= phase.capTo);
  const baselineP95 = pct(before, 0.95);
  // The latency the pipeline is meant to hold: the goal for moqkit, its own steady p95 otherwise (+20%).
  const target = Math.max(goalP95Ms, 1.2 * baselineP95);
  // The longest stretch without a new picture during the cap (its edges included).
  const edges = [phase.capFrom, ...during.map((p) => p.at), phase.capTo];
  let maxGap = 0;
  for (let i = 1; i < edges.length; i++) maxGap = Math.max(maxGap, (edges[i] as number) - (edges[i - 1] as number));
  const duringLatency = during.map((p) => p.latency);
  const maxAge = Math.max(...duringLatency, Number.NEGATIVE_INFINITY);
  const lastSecond = during.filter((p) => p.at >= phase.capTo - 1000).map((p) => p.latency);
  const group = GROUP_MS[pipe];
  // Back under the target: the first picture after the cap from which every picture for a second is under it.
  let recovery: number | undefined;
  for (const [i, p] of after.entries()) {
    if (p.latency > target) continue;
    const next = after.slice(i).filter((q) => q.at <= p.at + 1000);
    const coversSecond = (after.at(-1)?.at ?? 0) >= p.at + 1000;
    if (coversSecond && next.every((q) => q.latency <= target)) {
      recovery = (p.at - phase.capTo) / 1000;
      break;
    }
  }
  return {
    kbps: round1(phase.kbps),
    capKbps: phase.capKbps,
    baseline: { p50: round1(pct(before, 0.5)), p95: round1(baselineP95), samples: before.length },
    cap: {
      p50: round1(pct(duringLatency, 0.5)),
      p95: round1(pct(duringLatency, 0.95)),
      max: round1(maxAge),
      samples: during.length,
      picturesPerSecond: round1(during.length / ((phase.capTo - phase.capFrom) / 1000)),
      maxGapMs: round1(maxGap),
      lastSecondMaxMs: round1(Math.max(...lastSecond, Number.NEGATIVE_INFINITY)),
    },
    groupMs: group,
    newestGroupOnScreen: during.length > 0 && maxGap <= group && maxAge <= group,
    targetMs: round1(target),
    recoverySeconds: round2(recovery),
    after: {
      p50: round1(
        pct(
          after.map((p) => p.latency),
          0.5,
        ),
      ),
      samples: after.length,
    },
  };
}

async function main(): Promise<void> {
  const began = Date.now();
  const loadBefore = loadavg()[0];
  await benchRun(BUDGET_MS, async (run) => {
    const relay = await startRelay(["--quiet", "--test-controls"]);
    run.onCleanup("relay", () => relay.stop());
    const relayHttp = `http://127.0.0.1:${relay.port}`;
    const fixtures = await startFixtureServer();
    run.onCleanup("vite", () => fixtures.close());
    const browser = await launchBenchBrowser(run);
    const open = () => openBenchPage(browser, run, `${fixtures.base}/e2e-bench/`, "e2eReady");

    const sourcePage = await open();
    const pages: Partial<Record<Pipe, Page>> = {};
    for (const pipe of PIPES) pages[pipe] = await open();
    const pageOf = (pipe: Pipe) => pages[pipe] as Page;
    const stamp = Date.now().toString(36);
    const nameA = `bench/e2e-a-${stamp}`;
    const nameB = `bench/e2e-b-${stamp}`;
    const relayUrl = `${relayHttp}/`;
    await sourcePage.evaluate(() => bench.startSource());

    const setup: Record<string, unknown> = {};
    if (pages.A !== undefined) {
      const published = await within(
        sourcePage.evaluate(([url, n]) => bench.publish(url, n), [relayUrl, nameA] as const),
        20_000,
        "Publisher.start",
      );
      if (published.catalog === undefined) throw new Error(`the publisher wrote no catalog (state ${published.state})`);
      const started = await within(
        pages.A.evaluate(([url, n]) => bench.startPlayer(url, n, undefined, 15_000, false), [relayUrl, nameA] as const),
        20_000,
        "the Player's play()",
      );
      setup.A = { playMs: round1(started.playMs) };
    }
    if (pages.B !== undefined || pages.B0 !== undefined) {
      const info = await within(
        sourcePage.evaluate(([url, hash, n]) => bench.moqPublish(url, hash, n, 10_000), [
          relay.url,
          relay.certificateSha256,
          nameB,
        ] as const),
        20_000,
        "@moq/publish",
      );
      setup.moqPublish = info.config;
      for (const pipe of WATCHES) {
        const page = pages[pipe];
        const latency = WATCH_LATENCY[pipe];
        if (page === undefined) continue;
        const shown = await within(
          page.evaluate(([url, n, l]) => bench.watchStart(url, n, l, 15_000), [relayUrl, nameB, latency] as const),
          20_000,
          `<moq-watch> (${pipe})`,
        );
        setup[pipe] = { latencyAttribute: latency ?? "(none: its default)", firstCodeMs: round1(shown.ms) };
      }
    }
    if (pages.C !== undefined) {
      const rtc = await connectRtc(sourcePage, pages.C, "main");
      const shown = await within(
        pages.C.evaluate(() => bench.rtcWaitVideo(10_000)),
        15_000,
        "the WebRTC video",
      );
      setup.C = { ...rtc, connection: shown.connection, videoSize: `${shown.width}x${shown.height}` };
    }

    const cdp: Partial<Record<Pipe, CDPSession>> = {};
    for (const pipe of PIPES) cdp[pipe] = await cdpFor(pageOf(pipe));
    const sourceCdp = await cdpFor(sourcePage);
    const readBusy = async () => {
      const out: Partial<Record<Pipe | "source", Busy>> = {};
      for (const pipe of PIPES) out[pipe] = await busy(cdp[pipe] as CDPSession);
      out.source = await busy(sourceCdp);
      return { pages: out, machine: machineCpu() };
    };

    await sleep(WARMUP * 1000);

    // --- the windows ---
    const windows: Window[] = [];
    const encodedFrom = pages.B || pages.B0 ? await sourcePage.evaluate(() => bench.moqPublishEncoded()) : undefined;
    const rtcBefore = pages.C === undefined ? undefined : await pages.C.evaluate(() => bench.rtcStats());
    const rtcFrom = performance.now();
    const measureFrom = wall();
    for (let round = 0; round < ROUNDS; round++) {
      for (const pipe of PIPES) {
        const page = pageOf(pipe);
        await page.evaluate((target) => bench.meterStart(target), METER_TARGET[pipe]);
        const before = await readBusy();
        await sleep(WINDOW_SECONDS * 1000);
        const after = await readBusy();
        run.checkReloads();
        const meter = await within(
          page.evaluate(() => bench.meterStop()),
          10_000,
          "meterStop",
        );
        const sourceBefore = before.pages.source as Busy;
        const sourceAfter = after.pages.source as Busy;
        const window: Window = {
          pipe,
          round,
          meter,
          busy: {},
          heapMb: {},
          sourceBusy: busyPct(sourceBefore, sourceAfter),
          machineBusy:
            ((after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total)) * 100,
        };
        for (const p of PIPES) {
          const a = before.pages[p];
          const b = after.pages[p];
          if (a !== undefined && b !== undefined) {
            window.busy[p] = busyPct(a, b);
            window.heapMb[p] = b.heap / 1e6;
          }
        }
        windows.push(window);
        console.error(
          `window ${round + 1}/${ROUNDS} ${pipe}: p50 ${round1(pct(meter.samples.slice(1), 0.5))} ms, p95 ${round1(pct(meter.samples.slice(1), 0.95))} ms, ${meter.samples.length} pictures, machine ${round1(window.machineBusy)}% busy, load ${round1(loadavg()[0])}`,
        );
      }
    }
    const measureTo = wall();
    const encodedTo = pages.B || pages.B0 ? await sourcePage.evaluate(() => bench.moqPublishEncoded()) : undefined;
    const rtcAfter = pages.C === undefined ? undefined : await pages.C.evaluate(() => bench.rtcStats());
    const rtcSeconds = (performance.now() - rtcFrom) / 1000;
    const playerSamplesWindows = pages.A === undefined ? [] : await pages.A.evaluate(() => bench.playerSamples());
    const publisherSamples = (await sourcePage.evaluate(() => bench.publisherSamples())).filter(
      (s) => s.at > measureFrom + 1000 && s.at <= measureTo + 500,
    );
    const kbpsA = playerKbps(playerSamplesWindows, measureFrom, measureTo);
    const kbpsB = encodedFrom && encodedTo ? encodedKbps(encodedFrom, encodedTo) : Number.NaN;

    // --- congestion (right after the windows, from their steady state): the relay's send rate to every
    // session capped at half the stream's bitrate ---
    // The cap applies to what the relay sends on its data streams (objects to subscribers); the
    // publishers' sessions carry no data from the relay (control messages only), so they are not slowed.
    const phases: CapPhase[] = [];
    if (CONGESTION) {
      const groups: { pipes: Pipe[]; kbps: number }[] = [];
      if (pages.A !== undefined) groups.push({ pipes: ["A"], kbps: kbpsA });
      const bPipes = WATCHES.filter((p) => pages[p] !== undefined);
      if (bPipes.length > 0) groups.push({ pipes: [...bPipes], kbps: kbpsB });
      for (const group of groups) {
        if (!Number.isFinite(group.kbps) || group.kbps <= 0) {
          console.error(`congestion ${group.pipes.join("+")}: no bitrate measured, skipped`);
          continue;
        }
        const capKbps = Math.max(1, Math.round(group.kbps / 2));
        for (const pipe of group.pipes) {
          await pageOf(pipe).evaluate((target) => bench.meterStart(target), METER_TARGET[pipe]);
        }
        await sleep(PRE_CAP_SECONDS * 1000);
        const encoded = () =>
          pages.B || pages.B0 ? sourcePage.evaluate(() => bench.moqPublishEncoded()) : Promise.resolve(undefined);
        let capFrom = wall();
        let capTo = Number.NaN;
        let encodedCap: (EncodedCount | undefined)[] = [];
        try {
          await setSendRate(relayHttp, capKbps);
          capFrom = wall();
          encodedCap = [await encoded()];
          await sleep(CAP_SECONDS * 1000);
          encodedCap.push(await encoded());
        } finally {
          await setSendRate(relayHttp, 0);
          capTo = wall();
        }
        await sleep(POST_CAP_SECONDS * 1000);
        const meters: Partial<Record<Pipe, MeterWindow>> = {};
        for (const pipe of group.pipes) {
          meters[pipe] = await within(
            pageOf(pipe).evaluate(() => bench.meterStop()),
            10_000,
            "meterStop",
          );
        }
        const [e0, e1] = encodedCap;
        const moqPublishKbps = e0 && e1 ? encodedKbps(e0, e1) : Number.NaN;
        phases.push({ pipes: group.pipes, kbps: group.kbps, capKbps, capFrom, capTo, meters, moqPublishKbps });
        console.error(`congestion ${group.pipes.join("+")}: capped at ${capKbps} kbps of ${Math.round(group.kbps)}`);
        await sleep(3000);
      }
    }
    // --- first frames: TRIES per pipeline, interleaved, each on the live broadcast ---
    const triesA: FirstFrameTry[] = [];
    const triesAcold: FirstFrameTry[] = [];
    const triesB: Record<"B" | "B0", FirstPicture[]> = { B: [], B0: [] };
    const triesC: FirstPicture[] = [];
    for (let i = 0; i < TRIES; i++) {
      if (pages.A !== undefined) {
        for (const preloaded of [true, false]) {
          await sleep(700);
          (preloaded ? triesA : triesAcold).push(
            await within(
              pages.A.evaluate(([url, n, p, ms]) => bench.firstFrame(url, n, ms, p), [
                relayUrl,
                nameA,
                preloaded,
                TRY_TIMEOUT_MS,
              ] as const),
              TRY_TIMEOUT_MS + 9000,
              `first-frame try ${i + 1} A (${preloaded ? "preloaded" : "cold"})`,
            ),
          );
        }
      }
      for (const pipe of WATCHES) {
        const page = pages[pipe];
        const latency = WATCH_LATENCY[pipe];
        if (page === undefined) continue;
        await sleep(700);
        triesB[pipe].push(
          await within(
            page.evaluate(([url, n, l, ms]) => bench.watchFirstFrame(url, n, l, ms), [
              relayUrl,
              nameB,
              latency,
              TRY_TIMEOUT_MS,
            ] as const),
            TRY_TIMEOUT_MS + 9000,
            `first-frame try ${i + 1} ${pipe}`,
          ),
        );
      }
      if (pages.C !== undefined) {
        const page = pages.C;
        await sleep(700);
        const slot = `try${i}`;
        // From the offer's creation: signalling through this script (a few ms per hop) is included.
        const startWall = await sourcePage.evaluate(() => performance.timeOrigin + performance.now());
        try {
          await connectRtc(sourcePage, page, slot);
          triesC.push(
            await within(
              page.evaluate(([s, w, ms]) => bench.rtcFirstPicture(s, w, ms), [
                slot,
                startWall,
                TRY_TIMEOUT_MS,
              ] as const),
              TRY_TIMEOUT_MS + 9000,
              `first-frame try ${i + 1} C`,
            ),
          );
        } finally {
          await sourcePage.evaluate((s) => bench.rtcClose(s), slot);
          await page.evaluate((s) => bench.rtcClose(s), slot);
        }
      }
    }

    // Where A's cold start goes: a WorkerClient alone, on the page's thread and in a new Worker.
    const connects = pages.A === undefined ? [] : await measureConnects(pages.A, relayUrl, nameA, Math.min(TRIES, 3));

    const loadAfter = loadavg()[0];
    run.checkReloads();

    const playerSamplesAll = pages.A === undefined ? [] : await pages.A.evaluate(() => bench.playerSamples());
    const publisherSamplesAll = await sourcePage.evaluate(() => bench.publisherSamples());
    const pageErrors: string[] = [];
    for (const page of [sourcePage, ...PIPES.map(pageOf)]) {
      pageErrors.push(...(await page.evaluate(() => bench.errors.slice(0, 5))));
    }
    for (const page of [...PIPES.map(pageOf), sourcePage]) {
      await within(
        page.evaluate(() => bench.close()),
        10_000,
        "close",
      ).catch(() => {});
    }

    // --- the summary ---
    const latency: Partial<Record<Pipe, ReturnType<typeof meterSummary>>> = {};
    for (const pipe of PIPES) latency[pipe] = meterSummary(windows.filter((w) => w.pipe === pipe).map((w) => w.meter));
    const pipeSummary = (pipe: Pipe) => {
      const mine = windows.filter((w) => w.pipe === pipe);
      const others = windows.filter((w) => w.pipe !== pipe);
      return {
        description: DESCRIPTION[pipe],
        latencyMs: latency[pipe],
        picturesPerSecond: latency[pipe]?.picturesPerSecond ?? null,
        mainThreadPct: {
          /** While the meter read this page (its reads included). */
          metered: spread(mine.map((w) => w.busy[pipe] ?? Number.NaN)),
          /** While the meter read another page: the page's playback alone. */
          unmetered: spread(others.map((w) => w.busy[pipe] ?? Number.NaN)),
        },
        jsHeapMb: spread(windows.map((w) => w.heapMb[pipe] ?? Number.NaN)),
      };
    };
    const ratioOf = (a: number | null | undefined, b: number | null | undefined) =>
      a == null || b == null || b === 0 ? null : round2(a / b);
    const perRound = (other: Pipe) =>
      spread(
        Array.from({ length: ROUNDS }, (_, round) => {
          const a = windows.find((w) => w.round === round && w.pipe === "A");
          const b = windows.find((w) => w.round === round && w.pipe === other);
          return a && b ? pct(a.meter.samples.slice(1), 0.5) / pct(b.meter.samples.slice(1), 0.5) : Number.NaN;
        }),
      );
    const firstA = firstFrameSummary(triesA);
    const firstAcold = firstFrameSummary(triesAcold);
    const firstB = triesB.B.length > 0 ? firstPictureSummary(triesB.B) : undefined;
    const firstB0 = triesB.B0.length > 0 ? firstPictureSummary(triesB.B0) : undefined;
    const firstC = triesC.length > 0 ? firstPictureSummary(triesC) : undefined;
    const bFirst = Math.min(firstB?.firstCodeMs.median ?? Number.NaN, firstB0?.firstCodeMs.median ?? Number.NaN);
    const congestion: Partial<Record<Pipe, ReturnType<typeof congestionSummary>>> = {};
    for (const phase of phases) {
      for (const pipe of phase.pipes) {
        const meter = phase.meters[pipe];
        if (meter !== undefined) congestion[pipe] = congestionSummary(pipe, meter, phase, GOALS.p95Ms);
      }
    }
    const a = latency.A;
    const ratios = {
      "A/B": { p50: ratioOf(a?.p50, latency.B?.p50), p95: ratioOf(a?.p95, latency.B?.p95), p50PerRound: perRound("B") },
      "A/B0": {
        p50: ratioOf(a?.p50, latency.B0?.p50),
        p95: ratioOf(a?.p95, latency.B0?.p95),
        p50PerRound: perRound("B0"),
      },
      "A/C": { p50: ratioOf(a?.p50, latency.C?.p50), p95: ratioOf(a?.p95, latency.C?.p95), p50PerRound: perRound("C") },
      firstFrame: {
        "A/B": ratioOf(firstAcold?.firstCodeMs.median, firstB?.firstCodeMs.median),
        "A/B0": ratioOf(firstAcold?.firstCodeMs.median, firstB0?.firstCodeMs.median),
        "A/C": ratioOf(firstAcold?.firstCodeMs.median, firstC?.firstCodeMs.median),
        "Apreloaded/B": ratioOf(firstA?.firstCodeMs.median, firstB?.firstCodeMs.median),
        "Apreloaded/B0": ratioOf(firstA?.firstCodeMs.median, firstB0?.firstCodeMs.median),
        "Apreloaded/C": ratioOf(firstA?.firstCodeMs.median, firstC?.firstCodeMs.median),
      },
    };
    /** null/undefined/NaN: unknown (met null); +Infinity (e.g. never recovered): a miss, reported as null. */
    const goal = (value: number | null | undefined, limit: number) =>
      value === Number.POSITIVE_INFINITY
        ? { value: null, limit, met: false }
        : value == null || !Number.isFinite(value)
          ? { value: null, limit, met: null }
          : { value, limit, met: value <= limit };
    const capA = congestion.A;
    const goals = {
      "A p50 (ms)": goal(a?.p50, GOALS.p50Ms),
      "A p95 (ms)": goal(a?.p95, GOALS.p95Ms),
      "A p50 / B0 p50": goal(ratios["A/B0"].p50, GOALS.p50RatioToMoqWatchLatency0),
      "A p50 / C p50": goal(ratios["A/C"].p50, GOALS.p50RatioToWebrtc),
      "A first frame (ms, preloaded play())": goal(firstA?.firstCodeMs.median, GOALS.firstFrameMs),
      "A first frame (ms, cold)": goal(firstAcold?.firstCodeMs.median, GOALS.firstFrameMs),
      "A first frame (cold) / B first frame (faster of B, B0)": goal(
        ratioOf(firstAcold?.firstCodeMs.median, Number.isFinite(bFirst) ? bFirst : null),
        GOALS.firstFrameRatioToMoqWatch,
      ),
      "A p95 during the cap (ms)": goal(capA?.cap.p95, GOALS.congestionP95Ms),
      "A newest group on screen during the cap": {
        value: capA?.newestGroupOnScreen ?? null,
        met: capA?.newestGroupOnScreen ?? null,
      },
      "A back under target after the cap (s)": goal(
        capA === undefined ? null : (capA.recoverySeconds ?? Number.POSITIVE_INFINITY),
        GOALS.recoverySeconds,
      ),
    };

    const summary = {
      benchmark: "e2e",
      browser: browser.version(),
      source:
        "640x480 canvas (meter code + moving scene, drawn every animation frame), captureStream(30), one track for all",
      /** "build": the pages as Vite builds them for production (FIXTURES=dev: the dev server, from source). */
      pages: fixtures.mode,
      machine: {
        cpus: availableParallelism(),
        loadAverage1m: [round2(loadBefore), round2(loadAfter)],
        /** Whole-machine CPU busy % per window, [median, min, max] (this run's pages and everything else). */
        cpuBusyPct: spread(windows.map((w) => w.machineBusy)),
        /** The source page's main-thread busy % per window. */
        sourcePageMainThreadPct: spread(windows.map((w) => w.sourceBusy)),
      },
      windowSeconds: WINDOW_SECONDS,
      rounds: ROUNDS,
      order: windows.map((w) => w.pipe).join(","),
      setup,
      pipelines: Object.fromEntries(
        PIPES.map((pipe) => [
          pipe,
          {
            ...pipeSummary(pipe),
            firstFrame:
              pipe === "A"
                ? { preloaded: firstA, cold: firstAcold }
                : pipe === "C"
                  ? firstC
                  : pipe === "B"
                    ? firstB
                    : firstB0,
            congestion: congestion[pipe],
          },
        ]),
      ),
      bitrateKbps: { A: round1(kbpsA), B: round1(kbpsB) },
      ratios,
      goals,
      diagnostics: {
        A: pages.A === undefined ? undefined : playerStatsSummary(playerSamplesWindows, measureFrom, measureTo),
        /** Per A window: the meter beside the Player's buffer, its own latency and the publisher's capture-to-wire. */
        Awindows: windows
          .filter((w) => w.pipe === "A")
          .map((w) => playerWindowBreakdown(w.meter, playerSamplesWindows, publisherSamples)),
        /** A's cold start without the Player: connect and catalog, inline, in a new dedicated Worker and in the spare one. */
        Astartup: startupSummary(connects),
        /** @moq/publish's encoder output during B's cap (kbit/s), beside its rate over the windows. */
        moqPublishKbpsDuringCap: round1(
          phases.find((p) => p.pipes.includes("B") || p.pipes.includes("B0"))?.moqPublishKbps,
        ),
        publisherCaptureToWireMs: {
          p50: spread(publisherSamples.map((s) => s.stats.captureToWireMs.p50)),
          p95: spread(publisherSamples.map((s) => s.stats.captureToWireMs.p95)),
        },
        C: rtcStatsSummary(rtcBefore, rtcAfter, rtcSeconds),
        /** The Player's stats events in the congestion phase: before the cap, during it, after it. */
        congestionA: (() => {
          const phase = phases.find((p) => p.pipes.includes("A"));
          if (phase === undefined) return undefined;
          const stats = (from: number, to: number) => {
            const s = playerStatsSummary(playerSamplesAll, from, to);
            const { sincePlay: _sincePlay, rendition: _rendition, states: _states, ...rest } = s;
            return rest;
          };
          const captureToWire = (from: number, to: number) =>
            round1(
              median(
                publisherSamplesAll.filter((x) => x.at >= from && x.at <= to).map((x) => x.stats.captureToWireMs.p50),
              ),
            );
          return {
            /**
             * moqkit's publisher, capture to wire p50 (median of its per-second values) before, during and
             * after the cap: unchanged if the cap does not reach the publisher's session.
             */
            publisherCaptureToWireP50: {
              before: captureToWire(phase.capFrom - PRE_CAP_SECONDS * 1000, phase.capFrom),
              cap: captureToWire(phase.capFrom, phase.capTo),
              after: captureToWire(phase.capTo, phase.capTo + POST_CAP_SECONDS * 1000),
            },
            before: stats(phase.capFrom - PRE_CAP_SECONDS * 1000, phase.capFrom),
            cap: stats(phase.capFrom, phase.capTo),
            after: stats(phase.capTo, phase.capTo + POST_CAP_SECONDS * 1000),
          };
        })(),
      },
      errors: pageErrors,
      notes: [
        "latencyMs: now - the wall-clock code of each distinct picture when it first became readable on the shown canvas / <video> (read every animation frame); a window's first read is left out; pooled over the pipeline's windows; perWindow = [median, min, max] of the windows' p50/p95; picturesPerSecond = distinct pictures read per second",
        "all pipelines play all the time from the one source track; the meter reads one page at a time; mainThreadPct = CDP TaskDuration per wall second (% of one core) of the viewing page, metered = in its own windows, unmetered = in the others'; jsHeapMb = CDP JSHeapUsedSize at each window's end, [median, min, max]",
        "firstFrame: TRIES tries per pipeline on the live broadcast, interleaved A, B, B0, C; firstCodeMs = the first readable code on the new canvas / <video>, ms after the start: A preloaded = play() on a Player created with autoplay false once it is ready (the goal), A cold = play() right after the constructor (new connection, catalog and subscriptions; its worker the page's spare one, as for any new Player once one has played: WorkerClient keeps one started, replaced 0.5 s after it is taken); B/B0 = a new <moq-watch> appended (its connection, catalog and decoder from nothing: like A cold); C = a new RTCPeerConnection pair from the offer's creation (signalling through the bench script included)",
        "diagnostics: A = the Player's stats events over the windows; Awindows = per A window, the meter's p50/p95 beside the medians of the Player's targetBufferMs, bufferMs, latencyMs.last (its paint time - capture timestamp) and the publisher's capture-to-wire p50; Astartup = [median, min, max] of a WorkerClient's connect() and first catalog chunk, inline and in a new dedicated Worker (its modules served unbundled by the Vite dev server); C = WebRTC getStats() (jitter buffer and decode ms per frame)",
        "ratios.firstFrame 'A/x' use A cold (like for like), 'Apreloaded/x' the preloaded tries",
        "congestion: POST /test/send-rate?kbps=N caps what the relay sends on each session's data streams (every session alike; publishers receive only control messages, so they are not slowed) at half the stream's bitrate (A: the Player's bytes received; B: @moq/publish's encoder output, both over the windows) for CAP_SECONDS, metered from 5 s before to 10 s after; B and B0 are capped and metered together",
        "newestGroupOnScreen: during the cap no picture shown was older than one group (groupMs: the publisher's key frame interval) and the meter never went longer than one group without a new picture: what is on screen always comes from the newest group or the one just before it, never a backlog",
        "recoverySeconds: from lifting the cap to the first picture from which every picture for 1 s is at most targetMs (A: the p95 goal, 60 ms, or 1.2x its p95 before the cap if higher; B: 1.2x its p95 before the cap); null = not within 10 s",
      ],
      elapsedSeconds: Math.round((Date.now() - began) / 1000),
    };

    // --- the plot and the files ---
    mkdirSync("bench/out", { recursive: true });
    const colors: Record<Pipe, string> = { A: "#1f77b4", B: "#ff7f0e", B0: "#2ca02c", C: "#9467bd" };
    const series = (pick: (pipe: Pipe) => MeterWindow[], origin: number): PlotSeries[] =>
      PIPES.map((pipe) => ({
        label: `${pipe}${pipe === "B0" ? ' (latency="0")' : ""}`,
        color: colors[pipe],
        points: pick(pipe).flatMap((m) =>
          m.samples.slice(1).map((ms, i) => [((m.times[i + 1] as number) - origin) / 1000, ms] as [number, number]),
        ),
      })).filter((s) => s.points.length > 0);
    const steadyMax = Math.max(
      100,
      ...PIPES.map((p) => latency[p]?.p99 ?? 0).map((v) => Math.ceil((v * 1.3) / 50) * 50),
    );
    const panels = [
      {
        title: `Alternating windows (${WINDOW_SECONDS} s each, ${ROUNDS} rounds)`,
        series: series((pipe) => windows.filter((w) => w.pipe === pipe).map((w) => w.meter), measureFrom),
        spans: [],
        yMax: Math.min(1000, steadyMax),
        lines: [
          { y: GOALS.p50Ms, label: "goal p50" },
          { y: GOALS.p95Ms, label: "goal p95" },
        ],
      },
      ...phases.map((phase) => ({
        title: `Congestion: ${phase.pipes.join(" + ")} capped at ${phase.capKbps} kbit/s (half of ${Math.round(phase.kbps)})`,
        series: series(
          (pipe) => {
            const m = phase.meters[pipe];
            return m === undefined ? [] : [m];
          },
          phase.capFrom - PRE_CAP_SECONDS * 1000,
        ),
        spans: [
          {
            from: PRE_CAP_SECONDS,
            to: PRE_CAP_SECONDS + (phase.capTo - phase.capFrom) / 1000,
            label: `cap ${phase.capKbps} kbit/s`,
          },
        ],
        yMax: Math.min(
          5000,
          Math.max(
            600,
            Math.ceil(
              Math.max(...phase.pipes.flatMap((p) => phase.meters[p]?.samples.slice(1) ?? [0]).map((v) => v * 1.1)) /
                100,
            ) * 100,
          ),
        ),
        lines: [{ y: GOALS.congestionP95Ms, label: "goal p95 (cap)" }],
      })),
    ];
    const plotPath = "bench/out/e2e-latency.png";
    await savePlot(
      browser,
      fixtures.base,
      { title: `Glass-to-glass latency over time (bench:e2e, ${new Date().toISOString()})`, panels },
      plotPath,
    );
    const out = { ...summary, plot: plotPath };
    writeFileSync("bench/out/e2e-summary.json", `${JSON.stringify(out, null, 2)}\n`);
    console.log(JSON.stringify(out));
  });
}

await main();
