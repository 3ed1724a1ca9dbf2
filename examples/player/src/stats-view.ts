// The player page's live numbers under the plot, one row each (shown by the shared StatsView).
import type { PlayerStats } from "@moqkit/sdk/player";
import { bits, bytes, count, type Row } from "../../shared/stats-view.ts";

function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

export const ROWS: Row<PlayerStats>[] = [
  {
    key: "rendition",
    label: "Playing",
    value: ({ rendition }) => {
      if (rendition.video === undefined && rendition.audio === undefined) return "–";
      const details = [rendition.codec];
      if (rendition.width !== undefined && rendition.height !== undefined) {
        details.push(`${rendition.width}×${rendition.height}`);
      }
      const video =
        rendition.video === undefined
          ? "no video"
          : `${rendition.video} (${details.filter((part) => part !== undefined).join(", ")})`;
      return `${video} + ${rendition.audio ?? "no audio"}`;
    },
  },
  {
    key: "latency",
    label: "Latency",
    // NaN when the publisher's timestamps are not on this page's clock (@moq/publish stamps relative times).
    value: ({ latencyMs }, { live }) => {
      if (!Number.isFinite(latencyMs.last)) return "– (no picture yet, or the publisher's clock is not comparable)";
      // Not playing now (paused, ended, failed): say so rather than show the last number as current.
      if (live === false) return `– not playing (${ms(latencyMs.last)} at the last picture)`;
      return `${ms(latencyMs.last)} last picture, ${Number.isFinite(latencyMs.p95) ? ms(latencyMs.p95) : "–"} p95 (capture → screen)`;
    },
  },
  {
    key: "buffer",
    label: "Buffer",
    value: ({ bufferMs, targetBufferMs }) => `${ms(bufferMs)} held, target ${ms(targetBufferMs)}`,
  },
  {
    key: "frames",
    label: "Frames",
    value: (stats) =>
      `${count(stats.framesRendered)} shown of ${count(stats.framesDecoded)} decoded, ${count(stats.framesDropped)} dropped late`,
  },
  {
    key: "caught-up",
    label: "Catching up",
    value: (stats) =>
      `${count(stats.framesCaughtUp)} frames decoded only to reach the live edge, ${count(stats.segmentsSkipped)} segments skipped`,
  },
  {
    key: "audio",
    label: "Audio",
    value: (stats) =>
      stats.rendition.audio === undefined && stats.audioFramesPlayed === 0
        ? "none"
        : `${count(stats.audioFramesPlayed)} frames played, ${count(stats.audioUnderruns)} underruns`,
  },
  {
    key: "received",
    label: "Received",
    value: (stats, measured) => `${bytes(stats.bytesReceived)}, ${bits(measured.bitrate)} now`,
  },
];
