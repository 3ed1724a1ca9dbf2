// The latency-over-time plot of bench/e2e.ts: drawn on a canvas by the fixture page
// e2e/fixtures/e2e-bench/plot.html in the run's headless Chromium (no plotting dependency), and saved
// as a PNG with a screenshot of that canvas.
import type { Browser } from "playwright-core";
import type { PlotSpec } from "../e2e/fixtures/e2e-bench/plot.ts";

export type { PlotPanel, PlotSeries, PlotSpec } from "../e2e/fixtures/e2e-bench/plot.ts";

declare const plot: (spec: PlotSpec, width: number, panelHeight: number) => void;

const WIDTH = 1400;
const PANEL_HEIGHT = 380;

/** Draws `spec` in a new page of `browser` (the fixture server at `base`) and saves it at `path` (PNG). */
export async function savePlot(browser: Browser, base: string, spec: PlotSpec, path: string): Promise<void> {
  const context = await browser.newContext({
    viewport: { width: WIDTH, height: 40 + spec.panels.length * PANEL_HEIGHT },
  });
  try {
    const page = await context.newPage();
    await context.routeWebSocket(/./, () => {});
    await page.goto(`${base}/e2e-bench/plot.html`);
    await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 20_000 });
    await page.evaluate(([s, w, h]) => plot(s, w, h), [spec, WIDTH, PANEL_HEIGHT] as const);
    await page.locator("#plot").screenshot({ path });
  } finally {
    await context.close();
  }
}
