// The live numbers under the plot: one <dt>/<dd> pair per line, refreshed in place.
import type { PlayerStats } from "@moqkit/sdk/player";

export interface Measured {
  /** Bits per second received over the last interval, when known. */
  bitrate: number | undefined;
}

interface Row {
  key: string;
  label: string;
  value: (stats: PlayerStats, measured: Measured) => string;
}

function bits(value: number | undefined): string {
  if (value === undefined) return "–";
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} Mbit/s` : `${Math.round(value / 1e3)} kbit/s`;
}

function bytes(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} GB`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} MB`;
  return `${Math.round(value / 1e3)} kB`;
}

function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

const count = (value: number): string => value.toLocaleString("en");

const ROWS: Row[] = [
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
    value: ({ latencyMs }) =>
      Number.isFinite(latencyMs.last)
        ? `${ms(latencyMs.last)} last picture, ${Number.isFinite(latencyMs.p95) ? ms(latencyMs.p95) : "–"} p95 (capture → screen)`
        : "– (no picture yet, or the publisher's clock is not comparable)",
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

export class StatsView {
  readonly #values = new Map<string, HTMLElement>();

  constructor(list: HTMLDListElement) {
    const items = ROWS.map(({ key, label }) => {
      const row = document.createElement("div");
      row.dataset.stat = key;
      const term = document.createElement("dt");
      term.textContent = label;
      const value = document.createElement("dd");
      value.textContent = "–";
      this.#values.set(key, value);
      row.append(term, value);
      return row;
    });
    list.replaceChildren(...items);
  }

  show(stats: PlayerStats, measured: Measured): void {
    for (const row of ROWS) {
      const value = this.#values.get(row.key);
      if (value !== undefined) value.textContent = row.value(stats, measured);
    }
  }
}
