// Rule 8 of the track cache: it runs unchanged inside a real browser Worker, with the page pushing
// segments in and pulling the most important one out, bytes transferred (not copied) both ways.
import { expect, test } from "@playwright/test";
import { PORTS } from "./ports.ts";

interface CacheWorkerApi {
  insert(sequence: number, priority: number, chunks: number[][], expiresMs?: number): number[];
  next(): Promise<{ sequence: number; priority: number; chunks: number[][] } | "end">;
  sync(): Promise<void>;
  finish(): void;
  errors: string[];
}
declare const cacheWorker: CacheWorkerApi;

test("the track cache runs in a dedicated worker: priority order, expiry, transfer, close", async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PORTS.fixtures}/cache-worker/`);
  await expect(page.locator("body")).toHaveAttribute("data-ready", "true");

  const result = await page.evaluate(async () => {
    const detached = [
      ...cacheWorker.insert(0, 2, [[1, 2, 3], [4]]),
      ...cacheWorker.insert(1, 1, [[5]]),
      ...cacheWorker.insert(2, 1, [[6, 7]]),
      ...cacheWorker.insert(3, 0, [[8]], 30), // most important, but expires before it is pulled
    ];
    cacheWorker.insert(2, 0, [[9]]); // duplicate: refused inside the worker
    // The worker may start late (a cold dev server, a loaded machine): wait until it has the inserts,
    // then well past the 30 ms.
    await cacheWorker.sync();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const pulled = [await cacheWorker.next(), await cacheWorker.next(), await cacheWorker.next()];
    cacheWorker.finish();
    const end = await cacheWorker.next();
    return { detached, pulled, end, errors: cacheWorker.errors };
  });

  expect(result.detached).toEqual([0, 0, 0, 0, 0]); // the page's buffers were transferred, not copied
  expect(result.pulled).toEqual([
    { sequence: 2, priority: 1, chunks: [[6, 7]] },
    { sequence: 1, priority: 1, chunks: [[5]] },
    { sequence: 0, priority: 2, chunks: [[1, 2, 3], [4]] },
  ]);
  expect(result.end).toBe("end");
  expect(result.errors).toEqual([expect.stringMatching(/^duplicate: /)]);
});
