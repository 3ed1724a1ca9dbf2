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
import type { CDPSession, Page } from "playwright-core";
import type { BenchPage, FirstFrameTry } from "../e2e/fixtures/player-bench/main.ts";
import type { MeterWindow } from "../e2e/fixtures/player-bench/timed-meter.ts";
import { startRelay } from "../e2e/relay.ts";
import {
  type Busy,
  benchRun,
  busy,
  busyPct,
  cdpFor,
  connectRtc,
  envNumber,
  launchBenchBrowser,
  measureConnects,
  openBenchPage,
  pct,
  round1,
  round2,
  sleep,
  spread,
  within,
} from "./browser-bench.ts";
import { startFixtureServer } from "./fixture-server.ts";
import {
  firstFrameSummary,
  meterSummary,
  playerStatsSummary,
  playerWindowBreakdown,
  rtcStatsSummary,
  startupSummary,
} from "./player-summaries.ts";

declare const bench: BenchPage;

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

interface Window {
  kind: Kind;
  meter: MeterWindow;
  /** The viewing pages' main-thread busy % over the window (the metered one and the other). */
  busy: Partial<Record<Kind, number>>;
}

function latencySummary(windows: Window[], kind: Kind) {
  const mine = windows.filter((w) => w.kind === kind);
  return mine.length === 0 ? undefined : meterSummary(mine.map((w) => w.meter));
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

async function main(): Promise<void> {
  const began = Date.now();
  const loadBefore = loadavg()[0];
  await benchRun(BUDGET_MS, async (run) => {
    const { checkReloads } = run;
    const relay = await startRelay(["--quiet"]);
    run.onCleanup("relay", () => relay.stop());
    const fixtures = await startFixtureServer();
    run.onCleanup("vite", () => fixtures.close());
    const browser = await launchBenchBrowser(run);
    const open = () => openBenchPage(browser, run, `${fixtures.base}/player-bench/`);
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
      const setup = await connectRtc(sourcePage, rtcPage, "main");
      const shown = await within(
        rtcPage.evaluate(() => bench.rtcWaitVideo(10_000)),
        15_000,
        "the WebRTC video",
      );
      rtcSetup = {
        ...setup,
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
      cdp[kind] = await cdpFor(page);
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
    const connects =
      playerPage === undefined ? [] : await measureConnects(playerPage, relayUrl, name, Math.min(TRIES, 3));
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
        /** "build": the pages as Vite builds them for production (FIXTURES=dev: the dev server, from source). */
        pages: fixtures.mode,
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
              startup: startupSummary(connects),
              firstPlayMs: round1(mainPlayMs),
              stats: playerStatsSummary(playerSamples, measureFrom, measureTo),
              perWindow: windows
                .filter((w) => w.kind === "moqkit")
                .map((w) => playerWindowBreakdown(w.meter, playerSamples, publisherSamples)),
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
        ratioP50PerWindowPair: spread(pairRatios),
        goals: { ...GOALS, met },
        errors: pageErrors,
        notes: [
          "latencyMs: now - the wall-clock code of each distinct picture when it first became readable on the rendered canvas / <video> (read every animation frame, ~16.7 ms steps); a window's first read is left out; p50/p95 pooled over the kind's windows; perWindow = [median, min, max] of the windows' p50/p95, each = [p50, p95, n]",
          "ratioP50 = moqkit p50 / WebRTC p50 (pooled); ratioP50PerWindowPair = [median, min, max] over adjacent moqkit/WebRTC windows",
          "firstFrame: TRIES new Players on the live broadcast, each created with autoplay false (it preloads: connects and subscribes) and play() called once it is ready; coldFirstFrame: TRIES more with play() right after the constructor (a new connection, catalog and subscriptions first; the worker is the page's spare one when it is ready, as for any new Player: WorkerClient keeps one started, replaced 0.5 s after it is taken), alternating with them; startup: connect and first catalog chunk from a client on the page's thread (inline), in a new Worker started for it (dedicated) and in the spare Worker started 1 s ahead (spare); firstCodeMs = first readable code on its canvas, polled every ~4 ms and every animation frame (the goal uses its median); playResolvedMs = the Player's own claim; firstPictureAgeMs = how old that first picture was (now - its code); liveEdgeMs = when a picture at most 100 ms old first showed",
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
  });
}

await main();
