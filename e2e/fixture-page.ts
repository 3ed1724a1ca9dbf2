// Opening a fixture page (e2e/fixtures/NAME/) the way the specs and benchmarks need it: in a browser
// context of its own (a page pushed to the background drops to ~1 fps here), page errors shown, and
// ready once the page has set body[data-ready="true"].
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { PORTS } from "./ports.ts";

/** Where the fixture server runs in the Playwright suite (the benchmarks start their own). */
export const FIXTURES_URL = `http://127.0.0.1:${PORTS.fixtures}`;

export async function openFixturePage(
  browser: Browser,
  fixture: string,
  options: { base?: string; context?: BrowserContextOptions; timeoutMs?: number } = {},
): Promise<Page> {
  const page = await (await browser.newContext(options.context)).newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${options.base ?? FIXTURES_URL}/${fixture}/`);
  await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, {
    timeout: options.timeoutMs ?? 20_000,
  });
  return page;
}

/** Closes the browser context of every page given (errors ignored: a context may be closed already). */
export async function closeContexts(pages: readonly Page[]): Promise<void> {
  await Promise.all(
    pages.map((page) =>
      page
        .context()
        .close()
        .catch(() => undefined),
    ),
  );
}
