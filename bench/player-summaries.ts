// Summaries the browser benchmarks (bench/player.ts, bench/e2e.ts) print: the meter's windows, the
// Player's stats events, WebRTC's getStats() and the Player's first-frame tries.
import type { PublisherStats } from "@moqkit/sdk/publisher";
import type { ConnectTimes, FirstFrameTry, PlayerSample, RtcStats } from "../e2e/fixtures/player-bench/main.ts";
import type { MeterWindow } from "../e2e/fixtures/player-bench/timed-meter.ts";
import { firstPictureStats, firstPictureSummary, median, pct, round1, sorted, spread } from "./browser-bench.ts";

/** A pipeline's latency over its meter windows: pooled percentiles, pictures per second, per-window spread. */
export function meterSummary(mine: MeterWindow[]) {
  // The first code a new reader sees may have been on screen before the window began: left out.
  const perWindow = mine.map((w) => w.samples.slice(1));
  const all = perWindow.flat();
  const seconds = mine.reduce((sum, w) => sum + (w.to - w.from) / 1000, 0);
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
      (mine.reduce((sum, w) => sum + w.readable, 0) /
        Math.max(
          1,
          mine.reduce((sum, w) => sum + w.frames, 0),
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

export function playerStatsSummary(samples: PlayerSample[], from: number, to: number) {
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

export function rtcStatsSummary(a: RtcStats | undefined, b: RtcStats | undefined, seconds: number) {
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

export function firstFrameSummary(tries: FirstFrameTry[]) {
  if (tries.length === 0) return undefined;
  return {
    ...firstPictureSummary(tries),
    /** play() resolved (the Player says a frame is painted). */
    playResolvedMs: firstPictureStats(tries.map((t) => t.playResolvedMs ?? Number.NaN)),
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

/**
 * One window of the Player: the meter's p50/p95 beside the medians of the Player's stats events in it
 * (targetBufferMs, bufferMs, latencyMs.last = its own paint-time latency from the capture timestamp)
 * and of the publisher's per-second capture-to-wire p50: where the latency goes.
 */
export function playerWindowBreakdown(
  meter: MeterWindow,
  playerSamples: PlayerSample[],
  publisherSamples: { at: number; stats: PublisherStats }[],
) {
  const inside = <T extends { at: number }>(list: T[]) => list.filter((x) => x.at >= meter.from && x.at <= meter.to);
  const player = inside(playerSamples);
  const samples = meter.samples.slice(1);
  return {
    p50: round1(pct(samples, 0.5)),
    p95: round1(pct(samples, 0.95)),
    targetBufferMs: round1(median(player.map((x) => x.stats.targetBufferMs))),
    bufferMs: round1(median(player.map((x) => x.stats.bufferMs))),
    reportedLatencyMs: round1(median(player.map((x) => x.stats.latencyMs.last))),
    publisherCaptureToWireP50: round1(median(inside(publisherSamples).map((x) => x.stats.captureToWireMs.p50))),
  };
}

/** [median, min, max] of the connect and catalog times of a WorkerClient alone (bench.connectTimes). */
export function startupSummary(connects: ConnectTimes[]) {
  if (connects.length === 0) return undefined;
  return {
    inlineConnectMs: spread(connects.map((c) => c.inline.connectMs)),
    inlineCatalogMs: spread(connects.map((c) => c.inline.catalogMs)),
    dedicatedConnectMs: spread(connects.map((c) => c.dedicated.connectMs)),
    dedicatedCatalogMs: spread(connects.map((c) => c.dedicated.catalogMs)),
    spareConnectMs: spread(connects.map((c) => c.spare.connectMs)),
    spareCatalogMs: spread(connects.map((c) => c.spare.catalogMs)),
  };
}
