// A small canvas plot of the last minute: glass-to-glass latency (last, p95) on top, the bitrate
// received below. The same drawing as the camera page's plot.
export interface Sample {
  /** performance.now() when taken. */
  time: number;
  /** Glass-to-glass milliseconds of the picture on screen; undefined when unknown. */
  last: number | undefined;
  /** Their 95th percentile over the player's window; undefined when unknown. */
  p95: number | undefined;
  /** Bits per second received since the previous sample; undefined for the first one. */
  bitrate: number | undefined;
}

interface Series {
  label: string;
  color: string;
  value: (sample: Sample) => number | undefined;
  dashed?: boolean;
}

interface Panel {
  title: string;
  unit: (max: number) => { scale: number; suffix: string };
  series: Series[];
}

const COLORS = {
  text: "#1d1d1f",
  muted: "#6e6e73",
  grid: "#e5e5ea",
  last: "#c25e00",
  p95: "#e8a35c",
  bitrate: "#0a66c2",
};
const FONT = "12px system-ui, sans-serif";

const PANELS: Panel[] = [
  {
    title: "Latency",
    unit: (max) => (max >= 10_000 ? { scale: 1000, suffix: "s" } : { scale: 1, suffix: "ms" }),
    series: [
      { label: "last", color: COLORS.last, value: (sample) => sample.last },
      { label: "p95", color: COLORS.p95, value: (sample) => sample.p95, dashed: true },
    ],
  },
  {
    title: "Received",
    unit: (max) => (max >= 1e6 ? { scale: 1e6, suffix: "Mbit/s" } : { scale: 1e3, suffix: "kbit/s" }),
    series: [{ label: "", color: COLORS.bitrate, value: (sample) => sample.bitrate }],
  },
];

/** The smallest 1, 2 or 5 times a power of ten at or above `value`, so the axis reads round. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function formatNumber(value: number): string {
  return value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
}

export class StatsPlot {
  readonly #canvas: HTMLCanvasElement;
  readonly #windowMs: number;
  #samples: Sample[] = [];

  constructor(canvas: HTMLCanvasElement, windowMs = 60_000) {
    this.#canvas = canvas;
    this.#windowMs = windowMs;
    this.draw();
  }

  add(sample: Sample): void {
    this.#samples.push(sample);
    const oldest = sample.time - this.#windowMs - 2_000;
    while (this.#samples.length > 0 && (this.#samples[0]?.time ?? 0) < oldest) this.#samples.shift();
    this.#canvas.dataset.samples = String(this.#samples.length);
    this.draw(sample.time);
  }

  clear(): void {
    this.#samples = [];
    this.#canvas.dataset.samples = "0";
    this.draw();
  }

  draw(now = performance.now()): void {
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const outerWidth = canvas.clientWidth || 320;
    const outerHeight = canvas.clientHeight || 200;
    if (canvas.width !== Math.round(outerWidth * ratio) || canvas.height !== Math.round(outerHeight * ratio)) {
      canvas.width = Math.round(outerWidth * ratio);
      canvas.height = Math.round(outerHeight * ratio);
    }
    const context = canvas.getContext("2d");
    if (context === null) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, outerWidth, outerHeight);
    // Draw inside a margin, in CSS pixels.
    const margin = 10;
    context.translate(margin, margin);
    const width = outerWidth - 2 * margin;
    const height = outerHeight - 2 * margin;
    context.font = FONT;

    const axis = 16;
    const panelHeight = (height - axis) / PANELS.length;
    PANELS.forEach((panel, index) => {
      this.#drawPanel(context, panel, { x: 0, y: index * panelHeight, width, height: panelHeight }, now);
    });
    context.fillStyle = COLORS.muted;
    context.textBaseline = "bottom";
    context.textAlign = "left";
    context.fillText(`${Math.round(this.#windowMs / 1000)} s ago`, 0, height);
    context.textAlign = "right";
    context.fillText("now", width, height);
  }

  #drawPanel(
    context: CanvasRenderingContext2D,
    panel: Panel,
    box: { x: number; y: number; width: number; height: number },
    now: number,
  ): void {
    const top = box.y + 20;
    const bottom = box.y + box.height - 6;
    const values = this.#samples.flatMap((sample) => panel.series.map((series) => series.value(sample) ?? 0));
    const measured = values.some((value) => value > 0);
    // A quarter of headroom keeps the lines clear of the scale label under the top line.
    const max = niceCeiling(Math.max(0, ...values) * 1.25);
    const { scale, suffix } = panel.unit(max);
    const x = (time: number): number => box.x + box.width * (1 - (now - time) / this.#windowMs);
    const y = (value: number): number => bottom - (bottom - top) * Math.min(1, value / max);

    // Frame: the baseline, a half-way line, and the scale's top.
    context.strokeStyle = COLORS.grid;
    context.lineWidth = 1;
    context.setLineDash([]);
    for (const level of [0, 0.5, 1]) {
      const lineY = Math.round(y(max * level)) + 0.5;
      context.beginPath();
      context.moveTo(box.x, lineY);
      context.lineTo(box.x + box.width, lineY);
      context.stroke();
    }
    // The scale, inside the plot under its top line (once there is something to scale).
    if (measured) {
      context.fillStyle = COLORS.muted;
      context.textAlign = "right";
      context.textBaseline = "top";
      context.fillText(`${formatNumber(max / scale)} ${suffix}`, box.x + box.width, top + 3);
    }

    // Title and the latest values, in the series' colours.
    context.textAlign = "left";
    context.textBaseline = "bottom";
    context.fillStyle = COLORS.text;
    context.font = `600 ${FONT}`;
    context.fillText(panel.title, box.x, top - 2);
    let labelX = box.x + context.measureText(panel.title).width + 10;
    context.font = FONT;
    const latest = this.#samples.at(-1);
    for (const series of panel.series) {
      const value = latest === undefined ? undefined : series.value(latest);
      let shown = "–";
      if (value !== undefined) {
        const own = panel.unit(value);
        shown = `${formatNumber(value / own.scale)} ${own.suffix}`;
      }
      const text = series.label === "" ? shown : `${series.label} ${shown}`;
      context.fillStyle = series.color;
      context.fillText(text, labelX, top - 2);
      labelX += context.measureText(text).width + 10;
    }

    context.save();
    context.beginPath();
    context.rect(box.x, top - 1, box.width, bottom - top + 2);
    context.clip();
    for (const series of panel.series) {
      context.strokeStyle = series.color;
      context.lineWidth = 2;
      context.setLineDash(series.dashed ? [4, 3] : []);
      context.beginPath();
      let drawing = false;
      for (const sample of this.#samples) {
        const value = series.value(sample);
        if (value === undefined) {
          drawing = false;
          continue;
        }
        if (drawing) context.lineTo(x(sample.time), y(value));
        else context.moveTo(x(sample.time), y(value));
        drawing = true;
      }
      context.stroke();
    }
    context.restore();
  }
}
