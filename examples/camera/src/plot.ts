// The camera page's plot of the last minute: bitrate on top, capture-to-wire time (p50, p95) below.
import { bitrateUnit, COLORS, type PlotOptions } from "../../shared/plot.ts";

export interface Sample {
  /** performance.now() when taken. */
  time: number;
  /** Bits per second put on the wire since the previous sample; undefined for the first one. */
  bitrate: number | undefined;
  /** Capture-to-wire milliseconds; undefined until something was sent. */
  p50: number | undefined;
  p95: number | undefined;
}

export const PLOT: PlotOptions<Sample> = {
  panels: [
    {
      title: "Bitrate sent",
      unit: bitrateUnit,
      series: [{ label: "sent", color: COLORS.bitrate, value: (sample) => sample.bitrate }],
    },
    {
      title: "Capture → wire",
      unit: () => ({ scale: 1, suffix: "ms" }),
      series: [
        { label: "p50", color: COLORS.latency, value: (sample) => sample.p50 },
        { label: "p95", color: COLORS.latencyP95, value: (sample) => sample.p95, dashed: true },
      ],
    },
  ],
  // The scale shows from the first sample, nothing sent yet included.
  scaleFrom: "sample",
};
