// What the specs of the example pages (examples/player, examples/camera, as `npm start` serves them)
// share: their addresses in the suite, a free port, the player page's canvas as a script reaches it,
// and a page monitor (what the player's canvas showed over time, and every body[data-state] change)
// for pages opened each in a browser context of its own (a page pushed to the background drops to
// ~1 fps here).
import { createServer } from "node:net";
import type { Browser, BrowserContextOptions, Page } from "@playwright/test";
import type { CanvasWindow, StateRecord } from "./fixtures/player/main.ts";
import { PORTS } from "./ports.ts";

/** Where the suite serves the example pages (playwright.config.ts builds and previews them). */
export const PLAYER_PAGE = `http://127.0.0.1:${PORTS.player}/`;
export const CAMERA_PAGE = `http://127.0.0.1:${PORTS.camera}/`;

/** A TCP port nothing listens on (the OS hands it out, then it is closed again). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The <canvas> in <moq-player>'s open shadow root, as the player page's script reaches it. */
export interface PlayerCanvas {
  /** Whether the element's `canvas` property is that canvas. */
  same: boolean;
  testid: string | undefined;
  /** On screen (CSS pixels). */
  width: number;
  elementWidth: number;
  ratio: number;
}

export function playerCanvas(page: Page): Promise<PlayerCanvas | undefined> {
  return page.evaluate(() => {
    const element = document.querySelector("moq-player");
    const found = element?.shadowRoot?.querySelector("canvas");
    if (element === null || !(found instanceof HTMLCanvasElement)) return undefined;
    const box = found.getBoundingClientRect();
    return {
      same: (element as HTMLElement & { canvas?: unknown }).canvas === found,
      testid: found.dataset.testid,
      width: box.width,
      elementWidth: element.getBoundingClientRect().width,
      ratio: box.width / box.height,
    };
  });
}

// What the player's canvas showed over a window (distinct pictures, samples, blanks; the canvas's own
// size), and a page's body[data-state] with when it took it (Date.now(), this machine's clock): the
// same shapes as the player fixture's.
export type { CanvasWindow, StateRecord };

/** What the monitor keeps in the page (window.__monitor). */
interface Monitor {
  pictures: { at: number; hash: number }[];
  samples: number;
  blanks: number;
  states: StateRecord[];
  loadedAt: number;
  /** performance.now() at the load event: how long the page took from navigation to loaded. */
  loadMs: number;
}

/**
 * Runs in the page before its own scripts: samples the <moq-player> canvas at 25 Hz (a 64×48 copy,
 * hashed; all-black counts as blank) and records each new picture, and records body[data-state].
 */
function installMonitor(): void {
  const monitor: Monitor = {
    pictures: [],
    samples: 0,
    blanks: 0,
    states: [],
    loadedAt: Number.NaN,
    loadMs: Number.NaN,
  };
  (window as unknown as { __monitor: Monitor }).__monitor = monitor;
  addEventListener("load", () => {
    monitor.loadedAt = Date.now();
    monitor.loadMs = performance.now();
  });
  const scratch = document.createElement("canvas");
  scratch.width = 64;
  scratch.height = 48;
  const context = scratch.getContext("2d", { willReadFrequently: true });
  let lastHash: number | undefined;
  let lastState: string | undefined;
  setInterval(() => {
    const state = document.body?.dataset.state;
    if (state !== undefined && state !== lastState) {
      lastState = state;
      monitor.states.push({ state, at: Date.now() });
    }
    const canvas = document.querySelector("moq-player")?.shadowRoot?.querySelector("canvas");
    if (!(canvas instanceof HTMLCanvasElement) || context === null) return;
    monitor.samples++;
    if (canvas.width === 0 || canvas.height === 0) {
      monitor.blanks++;
      return;
    }
    context.clearRect(0, 0, 64, 48);
    context.drawImage(canvas, 0, 0, 64, 48);
    const pixels = context.getImageData(0, 0, 64, 48).data;
    let sum = 0;
    let hash = 0x811c9dc5;
    for (let i = 0; i < pixels.length; i += 4) {
      const r = pixels[i] ?? 0;
      const g = pixels[i + 1] ?? 0;
      const b = pixels[i + 2] ?? 0;
      sum += r + g + b;
      hash = Math.imul(hash ^ r, 0x01000193);
      hash = Math.imul(hash ^ g, 0x01000193);
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    if (sum === 0) {
      monitor.blanks++;
      return;
    }
    hash >>>= 0;
    if (hash !== lastHash) {
      lastHash = hash;
      monitor.pictures.push({ at: Date.now(), hash });
      if (monitor.pictures.length > 10_000) monitor.pictures.splice(0, 5_000);
    }
  }, 40);
}

/**
 * Opens `url` in a browser context of its own, with the monitor running from the start; what the
 * page prints goes to `said` (labelled), to explain a failure.
 */
export async function openExamplePage(
  browser: Browser,
  url: string,
  options: { label: string; said: string[]; context?: BrowserContextOptions },
): Promise<Page> {
  const context = await browser.newContext(options.context);
  await context.addInitScript(installMonitor);
  const page = await context.newPage();
  page.on("console", (message) => options.said.push(`${options.label} ${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => options.said.push(`${options.label} pageerror: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 20_000 });
  return page;
}

/** When the page's load event fired (Date.now()), how long after navigation, and what #state says now. */
export const loadedAt = (page: Page): Promise<{ at: number; sinceNavigationMs: number; stateText: string }> =>
  page.evaluate(() => {
    const monitor = (window as unknown as { __monitor: Monitor }).__monitor;
    return {
      at: monitor.loadedAt,
      sinceNavigationMs: monitor.loadMs,
      stateText: document.getElementById("state")?.textContent ?? "",
    };
  });

/** When each new picture appeared on the player's canvas (Date.now()), since `since`. */
export const pictures = (page: Page, since: number): Promise<number[]> =>
  page.evaluate(
    (from) =>
      (window as unknown as { __monitor: Monitor }).__monitor.pictures
        .filter((picture) => picture.at >= from)
        .map((picture) => picture.at),
    since,
  );

/** Every body[data-state] the page took, in order, since `since`. */
export const states = (page: Page, since = 0): Promise<StateRecord[]> =>
  page.evaluate(
    (from) => (window as unknown as { __monitor: Monitor }).__monitor.states.filter((record) => record.at >= from),
    since,
  );

/** Watches the player's canvas for `ms` and says what it showed. */
export function canvasChanges(page: Page, ms: number): Promise<CanvasWindow> {
  return page.evaluate(async (wait) => {
    const monitor = (window as unknown as { __monitor: Monitor }).__monitor;
    const from = Date.now();
    const samplesBefore = monitor.samples;
    const blanksBefore = monitor.blanks;
    await new Promise((resolve) => setTimeout(resolve, wait));
    const seen = new Set(monitor.pictures.filter((picture) => picture.at >= from).map((picture) => picture.hash));
    const canvas = document.querySelector("moq-player")?.shadowRoot?.querySelector("canvas");
    return {
      distinct: seen.size,
      samples: monitor.samples - samplesBefore,
      blank: monitor.blanks - blanksBefore,
      width: canvas instanceof HTMLCanvasElement ? canvas.width : 0,
      height: canvas instanceof HTMLCanvasElement ? canvas.height : 0,
    };
  }, ms);
}
