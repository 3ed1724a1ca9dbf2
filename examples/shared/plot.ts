// A small canvas plot of the last minute, for both example pages: panels one above the other, each with
// its title, the latest values in its series' colours, a round scale and a line per series. Each page
// says what its panels show (its own plot.ts).
export interface Series<S> {
  /** Written before the latest value; "" for the value alone. */
  label: string;
  color: string;
  value: (sample: S) => number | undefined;
  dashed?: boolean;
}

export interface Panel<S> {
  title: string;
  unit: (max: number) => { scale: number; suffix: string };
  series: Series<S>[];
}

export interface PlotOptions<S> {
  panels: Panel<S>[];
  /**
   * When a panel shows its scale: once there is a sample ("sample"), or once one of its series has a
   * value above zero ("value").
   */
  scaleFrom: "sample" | "value";
  /** How much time the plot spans; the last minute unless told. */
  windowMs?: number;
}

/** The plot's colours, the same on both pages: a bitrate is blue, a latency orange (its p95 lighter). */
export const COLORS = {
  text: "#1d1d1f",
  muted: "#6e6e73",
  grid: "#e5e5ea",
  bitrate: "#0a66c2",
  latency: "#c25e00",
  latencyP95: "#e8a35c",
};
const FONT = "12px system-ui, sans-serif";

/** The unit of a bitrate panel: Mbit/s from 1 Mbit/s up, kbit/s below. */
export function bitrateUnit(max: number): { scale: number; suffix: string } {
  return max >= 1e6 ? { scale: 1e6, suffix: "Mbit/s" } : { scale: 1e3, suffix: "kbit/s" };
}

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

export class StatsPlot<S extends { time: number }> {
  readonly #canvas: HTMLCanvasElement;
  readonly #panels: Panel<S>[];
  readonly #scaleFrom: "sample" | "value";
  readonly #windowMs: number;
  #samples: S[] = [];

  constructor(canvas: HTMLCanvasElement, { panels, scaleFrom, windowMs = 60_000 }: PlotOptions<S>) {
    this.#canvas = canvas;
    this.#panels = panels;
    this.#scaleFrom = scaleFrom;
    this.#windowMs = windowMs;
    this.draw();
  }

  add(sample: S): void {
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
    const panelHeight = (height - axis) / this.#panels.length;
    this.#panels.forEach((panel, index) => {
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
    panel: Panel<S>,
    box: { x: number; y: number; width: number; height: number },
    now: number,
  ): void {
    const top = box.y + 20;
    const bottom = box.y + box.height - 6;
    const values = this.#samples.flatMap((sample) => panel.series.map((series) => series.value(sample) ?? 0));
    const scaled = this.#scaleFrom === "sample" ? this.#samples.length > 0 : values.some((value) => value > 0);
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
    if (scaled) {
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
