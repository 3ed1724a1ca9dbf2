// What the MoQ interop specs (moq-interop.spec.ts: @moq/lite; moq-net-interop.spec.ts: @moq/net)
// share: running a scenario of a fixture page (window.interop, see fixtures/moq-interop/harness.ts),
// what a receiver must report, and keeping what a test saw.
import { writeFileSync } from "node:fs";
import { expect, type Page } from "@playwright/test";
import { FRAMES, frameBytes, GROUPS, type ReceiveReport, report } from "./fixtures/moq-interop/frames.ts";
import { PORTS } from "./ports.ts";

/** What a receiver must report: every group, every frame, byte-identical. */
export async function expected(
  seed: string,
  sequences = Array.from({ length: GROUPS }, (_, g) => g),
): Promise<ReceiveReport> {
  const groups = new Map<number, Uint8Array[]>();
  for (const g of sequences) {
    groups.set(
      g,
      Array.from({ length: FRAMES }, (_, f) => frameBytes(seed, g, f)),
    );
  }
  return report(seed, groups);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Opens the fixture page `fixture` (e.g. "moq-interop") and runs its scenario `name` there. */
export async function runScenario(
  page: Page,
  fixture: string,
  name: string,
  target: { url: string; hash: string },
  arg: string,
): Promise<unknown> {
  await page.goto(`http://127.0.0.1:${PORTS.fixtures}/${fixture}/`);
  await expect(page.locator("body")).toHaveAttribute("data-ready", "true");
  const result = await page.evaluate(
    ([name, target, arg]) =>
      (
        window as unknown as {
          interop: { run(...a: unknown[]): Promise<{ ok: boolean; value?: unknown; error?: string }> };
        }
      ).interop.run(name, target, arg),
    [name, target, arg] as const,
  );
  if (!result.ok) throw new Error(`${name} failed in the page: ${result.error}`);
  return result.value;
}

/** With MOQ_INTEROP_DUMP=DIR set, keeps what a test saw (wire records, logs) for inspection. */
export function dump(name: string, value: unknown): void {
  const dir = process.env.MOQ_INTEROP_DUMP;
  if (dir !== undefined && dir !== "") writeFileSync(`${dir}/${name}.json`, JSON.stringify(value, null, 2));
}
