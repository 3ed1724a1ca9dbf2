// The live numbers under the plot: one <dt>/<dd> pair per line, refreshed in place.
import type { PublisherStats } from "@moqkit/sdk/publisher";

export interface Measured {
  /** Bits per second on the wire over the last interval, when known. */
  bitrate: number | undefined;
}

interface Row {
  key: string;
  label: string;
  value: (stats: PublisherStats, measured: Measured) => string;
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

const count = (value: number): string => value.toLocaleString("en");

const ROWS: Row[] = [
  {
    key: "video",
    label: "Video",
    value: ({ video }) =>
      video === undefined ? "none" : `${video.codec} · ${video.width}×${video.height} · ${bits(video.bitrate)} target`,
  },
  {
    key: "audio",
    label: "Audio",
    value: ({ audio }) =>
      audio === undefined
        ? "none"
        : `${audio.codec} · ${audio.sampleRate / 1000} kHz · ${audio.channels === 1 ? "mono" : `${audio.channels} channels`}`,
  },
  {
    key: "bitrate",
    label: "Sending",
    // The relay asks for the stream only once a viewer joins: until then nothing goes out, by design.
    value: (stats, measured) => (stats.bytesSent === 0 ? "nothing yet: nobody is watching" : bits(measured.bitrate)),
  },
  {
    key: "latency",
    label: "Capture → wire",
    value: ({ captureToWireMs }) =>
      Number.isFinite(captureToWireMs.p50)
        ? `${captureToWireMs.p50.toFixed(1)} ms median, ${captureToWireMs.p95.toFixed(1)} ms p95`
        : "– (nothing sent yet)",
  },
  {
    key: "frames",
    label: "Frames",
    value: (stats) =>
      `${count(stats.framesEncoded)} encoded of ${count(stats.framesCaptured)}, ${count(stats.framesDropped)} dropped`,
  },
  {
    key: "segments",
    label: "Segments",
    value: (stats) =>
      stats.bytesSent === 0
        ? `none sent: each expires after its time to live until a viewer joins (${count(stats.segmentsExpired)} so far)`
        : `${count(stats.segmentsSent)} sent whole, ${count(stats.segmentsExpired)} expired before they could go`,
  },
  { key: "sent", label: "Data sent", value: (stats) => bytes(stats.bytesSent) },
  { key: "queue", label: "Encoder queue", value: (stats) => `${stats.encodeQueue} frame(s)` },
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

  show(stats: PublisherStats, measured: Measured): void {
    for (const row of ROWS) {
      const value = this.#values.get(row.key);
      if (value !== undefined) value.textContent = row.value(stats, measured);
    }
  }
}
