// moqkit's Player, glass to glass, beside a WebRTC loopback of the same picture, in headless Chromium.
// A source page draws the wall-clock time as the meter's block code (e2e/meter/pixel-code.ts) on a
// 640x480 canvas, captures it at 30 fps and sends that track two ways: moqkit's Publisher through the
// real relay to a page running the Player, and an RTCPeerConnection (host candidates on 127.0.0.1
// only, no STUN, SDP and ICE passed through this script) to a page showing it in a <video>. Each page
// has its own browser context (a background page drops to ~1 fps here); one browser, one clock.
// Measured, alternating moqkit and WebRTC windows (ABBA order) so machine noise hits both alike:
// 1. latency read from the rendered pixels (the Player's canvas, the <video>), each picture counted
//    once when its code first becomes readable: p50/p95 pooled, per window, and the ratio to WebRTC;
// 2. the first painted frame after play() on the live broadcast, TRIES times, a new Player each time,
//    seen on the canvas independently of the Player's own claim (play() resolving);
// 3. frames rendered/dropped, segments skipped (player.stats), WebRTC's decoded/dropped frames, and
//    each viewing page's main-thread busy time (CDP Performance.getMetrics TaskDuration).
// Prints one JSON line. Run: pnpm bench:player (SECONDS=30 WINDOW_SECONDS=5 WARMUP=3 TRIES=10;
// IMPLS=webrtc for the WebRTC half alone; LATENCY=N sets the Player's latency option; PAINT=raf paints
// in requestAnimationFrame callbacks instead of when due; DEBUG=1 logs pages).

import { availableParallelism, loadavg } from "node:os";
import { type Browser, type CDPSession, chromium, type Page } from "playwright-core";
import { AUTOPLAY_ARGS, CHROMIUM, CHROMIUM_ARGS, MEDIA_ARGS } from "../e2e/chromium.ts";
import type {
  BenchPage,
  ConnectTimes,
  FirstFrameTry,
  MeterWindow,
  PlayerSample,
  RtcStats,
} from "../e2e/fixtures/player-bench/main.ts";
import { percentile } from "../e2e/meter/pixel-code.ts";
import { startRelay } from "../e2e/relay.ts";
import { startFixtureServer } from "./fixture-server.ts";

declare const bench: BenchPage;

const envNumber = (name: string, fallback: number, min: number, max: number): number => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) ? Math.max(min, Math.min(max, value)) : fallback;
};

/** Seconds of latency measurement in all (both kinds together). */
const SECONDS = envNumber("SECONDS", 30, 2, 600);
const WINDOW_SECONDS = envNumber("WINDOW_SECONDS", 5, 1, 60);
const WARMUP = envNumber("WARMUP", 3, 0, 60);
const TRIES = Math.round(envNumber("TRIES", 10, 0, 50));
const LATENCY = process.env.LATENCY === undefined ? undefined : envNumber("LATENCY", 10, 0, 10_000);
/** PAINT=raf: the measured Player paints in requestAnimationFrame callbacks (as @moq/watch does), to see what painting at the due time saves. */
const PAINT_ON_ANIMATION_FRAME = process.env.PAINT === "raf";
const IMPLS = (process.env.IMPLS ?? "moqkit,webrtc").split(",");
const WITH_MOQKIT = IMPLS.includes("moqkit");
const WITH_WEBRTC = IMPLS.includes("webrtc");
/** A whole run past this is abandoned (everything is still cleaned up). */
const BUDGET_MS = (SECONDS + WARMUP + TRIES * 8 + 180) * 1000;

const GOALS = { p50Ms: 45, p95Ms: 70, ratioToWebrtcP50: 1.3, firstFrameMs: 150 } as const;

type Kind = "moqkit" | "webrtc";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (value: number | undefined): number | null =>
  value === undefined || !Number.isFinite(value) ? null : Math.round(value * 10) / 10;
const round2 = (value: number | undefined): number | null =>
  value === undefined || !Number.isFinite(value) ? null : Math.round(value * 100) / 100;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const sorted = (values: readonly number[]) => values.filter(Number.isFinite).sort((a, b) => a - b);

function median(values: readonly number[]): number {
  const s = sorted(values);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** [median, min, max], rounded. */
function spread(values: readonly number[]): (number | null)[] {
  const s = sorted(values);
  if (s.length === 0) return [null, null, null];
  return [round1(median(s)), round1(s[0]), round1(s.at(-1))];
}

/** Nearest-rank percentile, as the meter computes it. */
const pct = (values: readonly number[], p: number) => percentile(sorted(values), p) ?? Number.NaN;

/** Host candidates on 127.0.0.1 over UDP only: the loopback path, nothing else. */
function loopbackOnly(candidates: RTCIceCandidateInit[]): RTCIceCandidateInit[] {
  return candidates.filter((candidate) => {
    const fields = (candidate.candidate ?? "").split(" ");
    return fields[2]?.toLowerCase() === "udp" && fields[4] === "127.0.0.1" && fields[7] === "host";
  });
}

interface Busy {
  at: number;
  task: number;
}

async function busy(cdp: CDPSession): Promise<Busy> {
  const { metrics } = await within(cdp.send("Performance.getMetrics"), 5000, "Performance.getMetrics");
  return { at: performance.now(), task: metrics.find((metric) => metric.name === "TaskDuration")?.value ?? Number.NaN };
}

/** Main-thread busy time between two readings, % of one core. */
const busyPct = (a: Busy, b: Busy) => ((b.task - a.task) / ((b.at - a.at) / 1000)) * 100;

interface Window {
  kind: Kind;
  meter: MeterWindow;
  /** The viewing pages' main-thread busy % over the window (the metered one and the other). */
  busy: Partial<Record<Kind, number>>;
}

function latencySummary(windows: Window[], kind: Kind) {
  const mine = windows.filter((w) => w.kind === kind);
  if (mine.length === 0) return undefined;
  // The first code a new reader sees may have been on screen before the window began: left out.
  const perWindow = mine.map((w) => w.meter.samples.slice(1));
  const all = perWindow.flat();
  const seconds = mine.reduce((sum, w) => sum + (w.meter.to - w.meter.from) / 1000, 0);
  return {
    p50: round1(pct(all, 0.5)),
    p95: round1(pct(all, 0.95)),
    p99: round1(pct(all, 0.99)),
    min: round1(sorted(all)[0]),
    max: round1(sorted(all).at(-1)),
    samples: all.length,
    /** Distinct pictures shown per second (the meter's count). */
    picturesPerSecond: round1(all.length / seconds),
    /** Share of the animation frames read that showed a readable code. */
    readablePct: round1(
      (mine.reduce((sum, w) => sum + w.meter.readable, 0) /
        Math.max(
          1,
          mine.reduce((sum, w) => sum + w.meter.frames, 0),
        )) *
        100,
    ),
    perWindow: {
      p50: spread(perWindow.map((s) => pct(s, 0.5))),
      p95: spread(perWindow.map((s) => pct(s, 0.95))),
      each: perWindow.map((s) => [round1(pct(s, 0.5)), round1(pct(s, 0.95)), s.length]),
    },
  };
}

function busySummary(windows: Window[], kind: Kind) {
  const metered = windows.filter((w) => w.kind === kind).map((w) => w.busy[kind] ?? Number.NaN);
  const unmetered = windows.filter((w) => w.kind !== kind).map((w) => w.busy[kind] ?? Number.NaN);
  return {
    /** % of one core while its picture was being read by the meter (its own windows), [median, min, max]. */
    metered: spread(metered),
    /** While the meter read the other page: the page's own cost alone. */
    unmetered: spread(unmetered),
  };
}

function playerStatsSummary(samples: PlayerSample[], from: number, to: number) {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const first = inside[0];
  const last = inside.at(-1);
  const delta = (
    key: "framesDecoded" | "framesRendered" | "framesDropped" | "framesCaughtUp" | "segmentsSkipped" | "bytesReceived",
  ) => (first === undefined || last === undefined ? null : last.stats[key] - first.stats[key]);
  const seconds = first === undefined || last === undefined ? Number.NaN : (last.at - first.at) / 1000;
  return {
    /** Over the measured windows (between the first and last stats event inside them). */
    seconds: round1(seconds),
    framesDecoded: delta("framesDecoded"),
    framesRendered: delta("framesRendered"),
    framesDropped: delta("framesDropped"),
    framesCaughtUp: delta("framesCaughtUp"),
    segmentsSkipped: delta("segmentsSkipped"),
    renderedPerSecond: round1((delta("framesRendered") ?? Number.NaN) / seconds),
    kbps: round1(((delta("bytesReceived") ?? Number.NaN) * 8) / seconds / 1000),
    /** [median, min, max] of the stats events (twice a second). */
    bufferMs: spread(inside.map((s) => s.stats.bufferMs)),
    targetBufferMs: spread(inside.map((s) => s.stats.targetBufferMs)),
    reportedLatencyMs: {
      last: spread(inside.map((s) => s.stats.latencyMs.last)),
      p95: spread(inside.map((s) => s.stats.latencyMs.p95)),
    },
    states: [...new Set(inside.map((s) => s.state))],
    rendition: last?.stats.rendition,
    /** The whole run, since play(). */
    sincePlay:
      last === undefined
        ? undefined
        : {
            framesDecoded: last.stats.framesDecoded,
            framesRendered: last.stats.framesRendered,
            framesDropped: last.stats.framesDropped,
            framesCaughtUp: last.stats.framesCaughtUp,
            segmentsSkipped: last.stats.segmentsSkipped,
          },
  };
}

function rtcStatsSummary(a: RtcStats | undefined, b: RtcStats | undefined, seconds: number) {
  if (a === undefined || b === undefined) return undefined;
  const d = (key: keyof RtcStats) => (b[key] as number) - (a[key] as number);
  return {
    codec: b.codec,
    frameSize: `${b.frameWidth}x${b.frameHeight}`,
    pair: b.pair,
    seconds: round1(seconds),
    framesReceived: d("framesReceived"),
    framesDecoded: d("framesDecoded"),
    framesDropped: d("framesDropped"),
    decodedPerSecond: round1(d("framesDecoded") / seconds),
    /** The <video>'s getVideoPlaybackQuality() over the same span. */
    videoFrames: d("totalVideoFrames"),
    videoFramesDropped: d("droppedVideoFrames"),
    /** Mean jitter buffer delay (ms per frame) and decode time (ms per frame) over the span. */
    jitterBufferMs: round1((d("jitterBufferDelay") / Math.max(1, d("jitterBufferEmittedCount"))) * 1000),
    decodeMs: round1((d("totalDecodeTime") / Math.max(1, d("framesDecoded"))) * 1000),
  };
}

function firstFrameSummary(tries: FirstFrameTry[]) {
  if (tries.length === 0) return undefined;
  const of = (f: (t: FirstFrameTry) => number | undefined) => tries.map((t) => f(t) ?? Number.NaN);
  const stat = (values: number[]) => ({
    median: round1(median(values)),
    p90: round1(pct(values, 0.9)),
    min: round1(sorted(values)[0]),
    max: round1(sorted(values).at(-1)),
    n: sorted(values).length,
  });
  return {
    tries: tries.length,
    /** First readable code on the canvas, ms after play() (independent of the Player). */
    firstCodeMs: stat(of((t) => t.firstCodeMs)),
    /** First pixels that are not blank (a picture, or anything but one flat fill). */
    firstNonBlankMs: stat(of((t) => t.firstNonBlankMs)),
    /** play() resolved (the Player says a frame is painted). */
    playResolvedMs: stat(of((t) => t.playResolvedMs)),
    /** How old the first picture was when it showed (now - its code). */
    firstPictureAgeMs: stat(of((t) => t.firstCodeAgeMs)),
    /** The first picture at most 100 ms old, ms after play(): playing at the live edge. */
    liveEdgeMs: stat(of((t) => t.liveMs)),
    each: tries.map((t) => ({
      code: round1(t.firstCodeMs),
      nonBlank: round1(t.firstNonBlankMs),
      resolved: round1(t.playResolvedMs),
      age: round1(t.firstCodeAgeMs),
      live: round1(t.liveMs),
      caughtUp: t.stats?.framesCaughtUp,
      states: t.states.map((s) => `${s.state}@${s.ms}`).join(" "),
      ...(t.error === undefined ? {} : { error: t.error }),
    })),
  };
}

async function main(): Promise<void> {
  const began = Date.now();
  const reloads: string[] = [];
  const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      for (const { what, run } of cleanups.reverse()) {
        await within(run(), 10_000, `cleanup: ${what}`).catch((error) => console.error(String(error)));
      }
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const watchdog = setTimeout(() => {
    console.error(`the run took longer than ${BUDGET_MS / 1000} s: abandoned`);
    void cleanup().finally(() => process.exit(1));
  }, BUDGET_MS);

  const loadBefore = loadavg()[0];
  try {
    const relay = await startRelay(["--quiet"]);
    cleanups.push({ what: "relay", run: () => relay.stop() });
    const fixtures = await startFixtureServer();
    cleanups.push({ what: "vite", run: () => fixtures.close() });
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        ...CHROMIUM_ARGS,
        ...MEDIA_ARGS,
        ...AUTOPLAY_ARGS,
        // WebRTC on the loopback interface, with its real address in the candidates (not an mDNS name).
        "--allow-loopback-in-peer-connection",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
      ],
      headless: true,
    });
    cleanups.push({ what: "browser", run: () => browser.close() });

    const checkReloads = () => {
      if (reloads.length > 0) {
        throw new Error(
          `a page was reloaded during the run (Vite reloads the fixture pages when a source file changes: was packages/sdk or e2e edited meanwhile?): ${reloads.join(", ")}`,
        );
      }
    };
    // As openFixturePage (e2e/fixture-page.ts) does, plus one thing: Vite's live-reload socket is
    // answered here and goes nowhere, so an edit to the SDK while a run goes on cannot reload a page
    // halfway (the pages run the code they loaded). Any reload that happens anyway voids the run.
    const open = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1024 } });
      await context.routeWebSocket(/./, () => {});
      const page = await context.newPage();
      page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
      if (process.env.DEBUG) {
        page.on("console", (message) => console.error(`page ${page.url()}: ${message.text()}`));
        page.on("crash", () => console.error("page crashed"));
      }
      await page.goto(`${fixtures.base}/player-bench/`);
      await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 20_000 });
      const loaded = page.url();
      page.on("framenavigated", (frame) => {
        if (frame === page.mainFrame()) reloads.push(`${frame.url()} (was ${loaded})`);
      });
      return page;
    };
    const sourcePage = await open();
    const playerPage = WITH_MOQKIT ? await open() : undefined;
    const rtcPage = WITH_WEBRTC ? await open() : undefined;

    const relayUrl = `http://127.0.0.1:${relay.port}/`;
    const name = `bench/player-${Date.now().toString(36)}`;
    await sourcePage.evaluate(() => bench.startSource());

    if (WITH_MOQKIT) {
      const published = await within(
        sourcePage.evaluate(([url, n]) => bench.publish(url, n), [relayUrl, name] as const),
        20_000,
        "Publisher.start",
      );
      if (published.catalog === undefined) throw new Error(`the publisher wrote no catalog (state ${published.state})`);
    }

    // WebRTC: offer from the source, answer from the viewer, then the loopback candidates both ways.
    let rtcSetup: Record<string, unknown> | undefined;
    if (rtcPage !== undefined) {
      const offer = await within(
        sourcePage.evaluate(() => bench.rtcOffer()),
        10_000,
        "rtcOffer",
      );
      const answer = await within(
        rtcPage.evaluate((sdp) => bench.rtcAnswer(sdp), offer),
        10_000,
        "rtcAnswer",
      );
      await within(
        sourcePage.evaluate((sdp) => bench.rtcSetAnswer(sdp), answer),
        10_000,
        "rtcSetAnswer",
      );
      const [sent, received] = await Promise.all([
        sourcePage.evaluate(() => bench.rtcCandidates(5000)),
        rtcPage.evaluate(() => bench.rtcCandidates(5000)),
      ]);
      const sentLoopback = loopbackOnly(sent);
      const receivedLoopback = loopbackOnly(received);
      if (sentLoopback.length === 0 || receivedLoopback.length === 0) {
        throw new Error(
          `no loopback host candidate: source ${JSON.stringify(sent.map((c) => c.candidate))}, viewer ${JSON.stringify(received.map((c) => c.candidate))}`,
        );
      }
      await rtcPage.evaluate((list) => bench.rtcAddCandidates(list), sentLoopback);
      await sourcePage.evaluate((list) => bench.rtcAddCandidates(list), receivedLoopback);
      const shown = await within(
        rtcPage.evaluate(() => bench.rtcWaitVideo(10_000)),
        15_000,
        "the WebRTC video",
      );
      rtcSetup = {
        candidatesGathered: { source: sent.length, viewer: received.length },
        candidatesUsed: { source: sentLoopback.length, viewer: receivedLoopback.length },
        connection: shown.connection,
        videoSize: `${shown.width}x${shown.height}`,
      };
    }

    let mainPlayMs: number | undefined;
    if (playerPage !== undefined) {
      const started = await within(
        playerPage.evaluate(([url, n, latency, raf]) => bench.startPlayer(url, n, latency, 15_000, raf), [
          relayUrl,
          name,
          LATENCY,
          PAINT_ON_ANIMATION_FRAME,
        ] as const),
        20_000,
        "the Player's play()",
      );
      mainPlayMs = started.playMs;
    }

    const cdp: Partial<Record<Kind, CDPSession>> = {};
    for (const [kind, page] of [
      ["moqkit", playerPage],
      ["webrtc", rtcPage],
    ] as const) {
      if (page === undefined) continue;
      const session = await page.context().newCDPSession(page);
      await session.send("Performance.enable");
      cdp[kind] = session;
    }

    await sleep(WARMUP * 1000);

    // The windows: ABBA (moqkit, webrtc, webrtc, moqkit, ...), so a drift in the machine's load favours neither.
    const kinds: Kind[] = [...(WITH_MOQKIT ? ["moqkit" as const] : []), ...(WITH_WEBRTC ? ["webrtc" as const] : [])];
    const count = Math.max(kinds.length, Math.round(SECONDS / WINDOW_SECONDS));
    const order: Kind[] = [];
    for (let i = 0; order.length < count; i++) {
      const pair = Math.floor(i / kinds.length) % 2 === 0 ? kinds : [...kinds].reverse();
      order.push(pair[i % kinds.length] as Kind);
    }
    const pageOf = (kind: Kind) => (kind === "moqkit" ? playerPage : rtcPage) as Page;
    const readBusy = async () => {
      const out: Partial<Record<Kind, Busy>> = {};
      for (const kind of kinds) {
        const session = cdp[kind];
        if (session !== undefined) out[kind] = await busy(session);
      }
      return out;
    };
    const windows: Window[] = [];
    const rtcBefore = rtcPage === undefined ? undefined : await rtcPage.evaluate(() => bench.rtcStats());
    const rtcFrom = performance.now();
    const measureFrom = Date.now();
    for (const kind of order) {
      const page = pageOf(kind);
      await page.evaluate(
        (target) => bench.meterStart(target),
        kind === "moqkit" ? ("player" as const) : ("video" as const),
      );
      const before = await readBusy();
      await sleep(WINDOW_SECONDS * 1000);
      const after = await readBusy();
      checkReloads();
      const meter = await within(
        page.evaluate(() => bench.meterStop()),
        10_000,
        "meterStop",
      );
      const busyNow: Partial<Record<Kind, number>> = {};
      for (const k of kinds) {
        const a = before[k];
        const b = after[k];
        if (a !== undefined && b !== undefined) busyNow[k] = busyPct(a, b);
      }
      windows.push({ kind, meter, busy: busyNow });
      checkReloads();
    }
    const measureTo = Date.now();
    const rtcAfter = rtcPage === undefined ? undefined : await rtcPage.evaluate(() => bench.rtcStats());
    const rtcSeconds = (performance.now() - rtcFrom) / 1000;

    const playerSamples = playerPage === undefined ? [] : await playerPage.evaluate(() => bench.playerSamples());
    const publisher = await sourcePage.evaluate(() => bench.publisherStats());
    const publisherSamples = (await sourcePage.evaluate(() => bench.publisherSamples())).filter(
      (sample) => sample.at > measureFrom + 1000 && sample.at <= measureTo + 500,
    );

    // First frame: a new Player each time on the same live broadcast (the first one keeps playing, so
    // the relay already serves it, as for any viewer joining a live show). Spaced 1.3 s apart, so the
    // tries land at different points of the 1 s group of pictures.
    // Preloaded (the player was on the page before play(): the goal) and cold (play() right after the
    // constructor: a new worker, connection and catalog first) alternate.
    const tries: FirstFrameTry[] = [];
    const coldTries: FirstFrameTry[] = [];
    if (playerPage !== undefined) {
      for (let i = 0; i < 2 * TRIES; i++) {
        if (i > 0) await sleep(1300);
        const preloaded = i % 2 === 0;
        (preloaded ? tries : coldTries).push(
          await within(
            playerPage.evaluate(([url, n, p]) => bench.firstFrame(url, n, 5000, p), [
              relayUrl,
              name,
              preloaded,
            ] as const),
            14_000,
            `first-frame try ${i + 1} (${preloaded ? "preloaded" : "cold"})`,
          ),
        );
      }
    }

    // Where the start-up goes, without the Player: connect + catalog with the worker's service on the
    // page's thread, and with a new dedicated Worker (whose modules the dev server serves one by one).
    const connects: ConnectTimes[] = [];
    if (playerPage !== undefined) {
      for (let i = 0; i < Math.min(TRIES, 3); i++) {
        connects.push(
          await within(
            playerPage.evaluate(([url, n]) => bench.connectTimes(url, n, 5000), [relayUrl, name] as const),
            25_000,
            "connectTimes",
          ),
        );
      }
    }
    const loadAfter = loadavg()[0];

    const pageErrors = [
      ...(await sourcePage.evaluate(() => bench.errors.slice(0, 5))),
      ...(playerPage === undefined ? [] : await playerPage.evaluate(() => bench.errors.slice(0, 5))),
    ];
    for (const page of [sourcePage, playerPage, rtcPage]) {
      if (page !== undefined)
        await within(
          page.evaluate(() => bench.close()),
          10_000,
          "close",
        ).catch(() => {});
    }

    checkReloads();
    const moqkitLatency = latencySummary(windows, "moqkit");
    const webrtcLatency = latencySummary(windows, "webrtc");
    // Each moqkit window against the WebRTC window next to it (ABBA: pairs 0-1, 2-3, ...).
    const pairRatios: number[] = [];
    for (let i = 0; i + 1 < windows.length; i += 2) {
      const a = windows[i];
      const b = windows[i + 1];
      if (a === undefined || b === undefined || a.kind === b.kind) continue;
      const m = a.kind === "moqkit" ? a : b;
      const w = a.kind === "moqkit" ? b : a;
      pairRatios.push(pct(m.meter.samples.slice(1), 0.5) / pct(w.meter.samples.slice(1), 0.5));
    }
    const ratio =
      moqkitLatency?.p50 != null && webrtcLatency?.p50 != null ? moqkitLatency.p50 / webrtcLatency.p50 : Number.NaN;
    const firstFrames = firstFrameSummary(tries);
    const coldFirstFrames = firstFrameSummary(coldTries);
    const met = {
      p50: moqkitLatency?.p50 == null ? null : moqkitLatency.p50 <= GOALS.p50Ms,
      p95: moqkitLatency?.p95 == null ? null : moqkitLatency.p95 <= GOALS.p95Ms,
      ratioToWebrtcP50: Number.isFinite(ratio) ? ratio <= GOALS.ratioToWebrtcP50 : null,
      firstFrame: firstFrames?.firstCodeMs.median == null ? null : firstFrames.firstCodeMs.median <= GOALS.firstFrameMs,
    };
    console.log(
      JSON.stringify({
        benchmark: "player",
        browser: browser.version(),
        source: "640x480 canvas (meter code + moving scene, drawn every animation frame), captureStream(30)",
        machine: { cpus: availableParallelism(), loadAverage1m: [round2(loadBefore), round2(loadAfter)] },
        seconds: SECONDS,
        windowSeconds: WINDOW_SECONDS,
        warmupSeconds: WARMUP,
        order: order.map((k) => (k === "moqkit" ? "M" : "W")).join(""),
        latencyOption: LATENCY ?? "default",
        paint: PAINT_ON_ANIMATION_FRAME ? "requestAnimationFrame" : "when due",
        moqkit: WITH_MOQKIT
          ? {
              latencyMs: moqkitLatency,
              firstFrame: firstFrames,
              coldFirstFrame: coldFirstFrames,
              startup:
                connects.length === 0
                  ? undefined
                  : {
                      inlineConnectMs: spread(connects.map((c) => c.inline.connectMs)),
                      inlineCatalogMs: spread(connects.map((c) => c.inline.catalogMs)),
                      dedicatedConnectMs: spread(connects.map((c) => c.dedicated.connectMs)),
                      dedicatedCatalogMs: spread(connects.map((c) => c.dedicated.catalogMs)),
                    },
              firstPlayMs: round1(mainPlayMs),
              stats: playerStatsSummary(playerSamples, measureFrom, measureTo),
              perWindow: windows
                .filter((w) => w.kind === "moqkit")
                .map((w) => {
                  const inside = <T extends { at: number }>(list: T[]) =>
                    list.filter((x) => x.at >= w.meter.from && x.at <= w.meter.to);
                  const player = inside(playerSamples);
                  const samples = w.meter.samples.slice(1);
                  return {
                    p50: round1(pct(samples, 0.5)),
                    p95: round1(pct(samples, 0.95)),
                    targetBufferMs: round1(median(player.map((x) => x.stats.targetBufferMs))),
                    bufferMs: round1(median(player.map((x) => x.stats.bufferMs))),
                    reportedLatencyMs: round1(median(player.map((x) => x.stats.latencyMs.last))),
                    publisherCaptureToWireP50: round1(
                      median(inside(publisherSamples).map((x) => x.stats.captureToWireMs.p50)),
                    ),
                  };
                }),
              mainThreadPct: busySummary(windows, "moqkit"),
              publisher:
                publisher === undefined
                  ? undefined
                  : {
                      state: publisher.state,
                      framesCaptured: publisher.stats.framesCaptured,
                      framesEncoded: publisher.stats.framesEncoded,
                      framesDropped: publisher.stats.framesDropped,
                      segmentsExpired: publisher.stats.segmentsExpired,
                      captureToWireMs: {
                        p50: spread(publisherSamples.map((sample) => sample.stats.captureToWireMs.p50)),
                        p95: spread(publisherSamples.map((sample) => sample.stats.captureToWireMs.p95)),
                      },
                    },
            }
          : undefined,
        webrtc: WITH_WEBRTC
          ? {
              latencyMs: webrtcLatency,
              setup: rtcSetup,
              stats: rtcStatsSummary(rtcBefore, rtcAfter, rtcSeconds),
              mainThreadPct: busySummary(windows, "webrtc"),
            }
          : undefined,
        ratioP50: round2(ratio),
        ratioP50PerWindowPair: spread(pairRatios).map((v) => (v === null ? null : Math.round(v * 100) / 100)),
        goals: { ...GOALS, met },
        errors: pageErrors,
        notes: [
          "latencyMs: now - the wall-clock code of each distinct picture when it first became readable on the rendered canvas / <video> (read every animation frame, ~16.7 ms steps); a window's first read is left out; p50/p95 pooled over the kind's windows; perWindow = [median, min, max] of the windows' p50/p95, each = [p50, p95, n]",
          "ratioP50 = moqkit p50 / WebRTC p50 (pooled); ratioP50PerWindowPair = [median, min, max] over adjacent moqkit/WebRTC windows",
          "firstFrame: TRIES new Players on the live broadcast, each created with autoplay false (it preloads: connects and subscribes) and play() called once it is ready; coldFirstFrame: TRIES more with play() right after the constructor (a new worker, connection and catalog first), alternating with them; firstCodeMs = first readable code on its canvas, polled every ~4 ms and every animation frame (the goal uses its median); playResolvedMs = the Player's own claim; firstPictureAgeMs = how old that first picture was (now - its code); liveEdgeMs = when a picture at most 100 ms old first showed",
          "mainThreadPct: CDP Performance.getMetrics TaskDuration per second of wall time, % of one core, of the viewing page; metered = during its own windows (the meter's reads included), unmetered = during the other kind's windows",
          "startup: [median, min, max] over up to 3 tries of a WorkerClient alone (no Player) from its creation: connect() resolved, and the first catalog chunk pulled; inline = the worker's service on the page's thread, dedicated = a new Worker as the Player starts one (under the Vite dev server its module graph is fetched unbundled)",
          "moqkit.perWindow: per moqkit window, the pixel p50/p95 beside the medians of the Player's stats events in it (targetBufferMs, bufferMs, latencyMs.last = its own paint-time latency from the capture timestamp) and of the publisher's per-second capture-to-wire p50",
          "publisher: its counters at the end of the windows; captureToWireMs = [median, min, max] of its per-second p50/p95 during the windows (the source's share of the latency)",
          "machine.loadAverage1m: the 1-minute load average before and after the run (other work on the machine skews every number)",
          "webrtc: default codec negotiation, host candidates on 127.0.0.1/UDP only, no STUN; jitterBufferMs/decodeMs = means per frame from getStats() over the measured span",
        ],
        elapsedSeconds: Math.round((Date.now() - began) / 1000),
      }),
    );
  } catch (error) {
    if (reloads.length > 0) {
      throw new Error(
        `a page was reloaded during the run (Vite reloads the fixture pages when a source file changes: was packages/sdk or e2e edited meanwhile?): ${reloads.join(", ")}`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

await main();
