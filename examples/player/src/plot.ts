// The player page's plot of the last minute: glass-to-glass latency (last, p95) on top, the bitrate
// received below.
import { bitrateUnit, COLORS, type PlotOptions } from "../../shared/plot.ts";

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

export const PLOT: PlotOptions<Sample> = {
  panels: [
    {
      title: "Latency",
      unit: (max) => (max >= 10_000 ? { scale: 1000, suffix: "s" } : { scale: 1, suffix: "ms" }),
      series: [
        { label: "last", color: COLORS.latency, value: (sample) => sample.last },
        { label: "p95", color: COLORS.latencyP95, value: (sample) => sample.p95, dashed: true },
      ],
    },
    {
      title: "Received",
      unit: bitrateUnit,
      series: [{ label: "", color: COLORS.bitrate, value: (sample) => sample.bitrate }],
    },
  ],
  // A panel shows its scale once something was measured (a latency unknown to this page plots nothing).
  scaleFrom: "value",
};
