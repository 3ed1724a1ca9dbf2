// What the browser benchmarks (bench/player.ts, bench/e2e.ts) share: numbers from the environment,
// statistics, a run with its cleanups and a time budget, Chromium with the media flags, fixture pages
// in their own contexts that may not reload, CDP readings of a page's main-thread time and JS heap,
// the WebRTC loopback signalling between two player-bench pages, and the first-frame summary.

import { type Browser, type CDPSession, chromium, type Page } from "playwright-core";
import { AUTOPLAY_ARGS, CHROMIUM, CHROMIUM_ARGS, MEDIA_ARGS } from "../e2e/chromium.ts";
import type { BenchPage, ConnectTimes, FirstPicture } from "../e2e/fixtures/player-bench/main.ts";
import { median, percentile, sorted } from "../e2e/meter/pixel-code.ts";

export { median, sorted };

declare const bench: BenchPage;

export const envNumber = (name: string, fallback: number, min: number, max: number): number => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) ? Math.max(min, Math.min(max, value)) : fallback;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round1 = (value: number | undefined): number | null =>
  value === undefined || !Number.isFinite(value) ? null : Math.round(value * 10) / 10;
export const round2 = (value: number | undefined): number | null =>
  value === undefined || !Number.isFinite(value) ? null : Math.round(value * 100) / 100;

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** [median, min, max], rounded. */
export function spread(values: readonly number[]): (number | null)[] {
  const s = sorted(values);
  if (s.length === 0) return [null, null, null];
  return [round1(median(s)), round1(s[0]), round1(s.at(-1))];
}

/** Nearest-rank percentile, as the meter computes it. */
export const pct = (values: readonly number[], p: number) => percentile(sorted(values), p) ?? Number.NaN;

// --- the run ---

export interface Run {
  /** Registers a cleanup; they run in reverse order, each bounded. */
  onCleanup(what: string, run: () => Promise<unknown>): void;
  /** Pages reloaded during the run (a reload voids it). */
  reloads: string[];
  checkReloads(): void;
}

/**
 * Runs `body` with cleanups that run whatever happens (an error, SIGINT/SIGTERM, the budget passed).
 */
export async function benchRun(budgetMs: number, body: (run: Run) => Promise<void>): Promise<void> {
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
    console.error(`the run took longer than ${budgetMs / 1000} s: abandoned`);
    void cleanup().finally(() => process.exit(1));
  }, budgetMs);
  const reloadError = (cause?: unknown) =>
    new Error(
      `a page was reloaded during the run (Vite reloads the fixture pages when a source file changes: was packages/sdk or e2e edited meanwhile?): ${reloads.join(", ")}`,
      cause === undefined ? undefined : { cause },
    );
  const run: Run = {
    onCleanup: (what, fn) => cleanups.push({ what, run: fn }),
    reloads,
    checkReloads() {
      if (reloads.length > 0) throw reloadError();
    },
  };
  try {
    await body(run);
  } catch (error) {
    if (reloads.length > 0) throw reloadError(error);
    throw error;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** Debian's Chromium with the media and autoplay flags, and WebRTC allowed on the loopback interface. */
export async function launchBenchBrowser(run: Run): Promise<Browser> {
  const browser = await chromium.launch({
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
  run.onCleanup("browser", () => browser.close());
  return browser;
}

/**
 * A fixture page in a browser context of its own, as openFixturePage (e2e/fixture-page.ts) does, plus
 * one thing: Vite's live-reload socket is answered here and goes nowhere, so an edit to the SDK while
 * a run goes on cannot reload a page halfway (the pages run the code they loaded). Any reload that
 * happens anyway is noted in run.reloads and voids the run. Ready once `document.body.dataset[readyKey]` is "true".
 */
export async function openBenchPage(browser: Browser, run: Run, url: string, readyKey = "ready"): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1024 } });
  await context.routeWebSocket(/./, () => {});
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  if (process.env.DEBUG) {
    page.on("console", (message) => console.error(`page ${page.url()}: ${message.text()}`));
    page.on("crash", () => console.error("page crashed"));
  }
  await page.goto(url);
  await page.waitForFunction((key) => document.body.dataset[key] === "true", readyKey, { timeout: 20_000 });
  const loaded = page.url();
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) run.reloads.push(`${frame.url()} (was ${loaded})`);
  });
  return page;
}

// --- CDP: main-thread time and heap ---

export interface Busy {
  at: number;
  /** Main-thread task time so far (s). */
  task: number;
  /** JS heap in use (bytes). */
  heap: number;
}

export async function cdpFor(page: Page): Promise<CDPSession> {
  const session = await page.context().newCDPSession(page);
  await session.send("Performance.enable");
  return session;
}

export async function busy(cdp: CDPSession): Promise<Busy> {
  const { metrics } = await within(cdp.send("Performance.getMetrics"), 5000, "Performance.getMetrics");
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
  return { at: performance.now(), task: metric("TaskDuration"), heap: metric("JSHeapUsedSize") };
}

/** Main-thread busy time between two readings, % of one core. */
export const busyPct = (a: Busy, b: Busy) => ((b.task - a.task) / ((b.at - a.at) / 1000)) * 100;

// --- WebRTC over loopback, signalled through this script ---

/** Host candidates on 127.0.0.1 over UDP only: the loopback path, nothing else. */
function loopbackOnly(candidates: RTCIceCandidateInit[]): RTCIceCandidateInit[] {
  return candidates.filter((candidate) => {
    const fields = (candidate.candidate ?? "").split(" ");
    return fields[2]?.toLowerCase() === "udp" && fields[4] === "127.0.0.1" && fields[7] === "host";
  });
}

interface RtcSetup {
  candidatesGathered: { source: number; viewer: number };
  candidatesUsed: { source: number; viewer: number };
}

/**
 * Offer from the source page, answer from the viewer page, then the loopback candidates both ways,
 * for the connection `slot` (player-bench pages). The viewer's <video> shows once the media flows.
 */
export async function connectRtc(sourcePage: Page, rtcPage: Page, slot: string): Promise<RtcSetup> {
  const offer = await within(
    sourcePage.evaluate((s) => bench.rtcOffer(s), slot),
    10_000,
    "rtcOffer",
  );
  const answer = await within(
    rtcPage.evaluate(([sdp, s]) => bench.rtcAnswer(sdp, s), [offer, slot] as const),
    10_000,
    "rtcAnswer",
  );
  await within(
    sourcePage.evaluate(([sdp, s]) => bench.rtcSetAnswer(sdp, s), [answer, slot] as const),
    10_000,
    "rtcSetAnswer",
  );
  const [sent, received] = await Promise.all([
    sourcePage.evaluate((s) => bench.rtcCandidates(5000, s), slot),
    rtcPage.evaluate((s) => bench.rtcCandidates(5000, s), slot),
  ]);
  const sentLoopback = loopbackOnly(sent);
  const receivedLoopback = loopbackOnly(received);
  if (sentLoopback.length === 0 || receivedLoopback.length === 0) {
    throw new Error(
      `no loopback host candidate: source ${JSON.stringify(sent.map((c) => c.candidate))}, viewer ${JSON.stringify(received.map((c) => c.candidate))}`,
    );
  }
  await rtcPage.evaluate(([list, s]) => bench.rtcAddCandidates(list, s), [sentLoopback, slot] as const);
  await sourcePage.evaluate(([list, s]) => bench.rtcAddCandidates(list, s), [receivedLoopback, slot] as const);
  return {
    candidatesGathered: { source: sent.length, viewer: received.length },
    candidatesUsed: { source: sentLoopback.length, viewer: receivedLoopback.length },
  };
}

// --- start-up tries ---

export function firstPictureStats(values: number[]) {
  return {
    median: round1(median(values)),
    p90: round1(pct(values, 0.9)),
    min: round1(sorted(values)[0]),
    max: round1(sorted(values).at(-1)),
    n: sorted(values).length,
  };
}

/** The common part of a first-frame summary: what the canvas / <video> showed, ms after the start. */
export function firstPictureSummary(tries: FirstPicture[]) {
  const of = (f: (t: FirstPicture) => number | undefined) => tries.map((t) => f(t) ?? Number.NaN);
  return {
    tries: tries.length,
    /** First readable code shown (independent of the player's own claims). */
    firstCodeMs: firstPictureStats(of((t) => t.firstCodeMs)),
    /** First pixels that are not blank (a picture, or anything but one flat fill). */
    firstNonBlankMs: firstPictureStats(of((t) => t.firstNonBlankMs)),
    /** How old the first picture was when it showed (now - its code). */
    firstPictureAgeMs: firstPictureStats(of((t) => t.firstCodeAgeMs)),
    /** The first picture at most 100 ms old: playing at the live edge. */
    liveEdgeMs: firstPictureStats(of((t) => t.liveMs)),
  };
}

/**
 * Where the Player's start-up goes, without the Player: `count` times, connect + the first catalog
 * chunk with the worker's service on the page's thread, and with a new dedicated Worker (whose
 * modules the dev server serves one by one).
 */
export async function measureConnects(page: Page, relayUrl: string, name: string, count: number) {
  const connects: ConnectTimes[] = [];
  for (let i = 0; i < count; i++) {
    try {
      connects.push(
        await within(
          page.evaluate(([url, n]) => bench.connectTimes(url, n, 10_000), [relayUrl, name] as const),
          45_000,
          "connectTimes",
        ),
      );
    } catch (error) {
      // A diagnostic, not a result: a try that times out on a loaded machine is left out (and said).
      console.error(`connectTimes try ${i + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return connects;
}
