// The relay's WebTransport layer against real headless Chromium, from the page's main thread and
// from a dedicated Worker: the real relay process, real QUIC on loopback.
import { expect, type Page, test } from "@playwright/test";
import type { ScenarioName } from "./fixtures/webtransport/scenarios.ts";
import { PORTS } from "./ports.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

let relay: RelayProcess;
test.beforeAll(async () => {
  relay = await startRelay();
});
test.afterAll(async () => {
  await relay?.stop();
});

type Where = "main" | "worker";

async function run(page: Page, where: Where, name: ScenarioName, ...args: unknown[]): Promise<unknown> {
  await page.goto(`http://127.0.0.1:${PORTS.fixtures}/webtransport/`);
  await expect(page.locator("body")).toHaveAttribute("data-ready", "true");
  const target = { url: relay.url, hash: relay.certificateSha256 };
  const result = await page.evaluate(
    ([where, name, target, args]) =>
      (
        window as unknown as { wt: { run(...a: unknown[]): Promise<{ ok: boolean; value?: unknown; error?: string }> } }
      ).wt.run(where, name, target, ...(args as unknown[])),
    [where, name, target, args] as const,
  );
  if (!result.ok) throw new Error(`${name} in ${where} failed: ${result.error}`);
  return result.value;
}

test("the relay serves its certificate hash over plain HTTP with CORS open", async ({ request }) => {
  const response = await request.get(`http://127.0.0.1:${relay.port}/certificate.sha256`);
  expect(response.status()).toBe(200);
  expect(response.headers()["access-control-allow-origin"]).toBe("*");
  expect(await response.text()).toBe(relay.certificateSha256);
});

for (const where of ["main", "worker"] as const) {
  test.describe(`from the ${where === "main" ? "main thread" : "dedicated worker"}`, () => {
    test("a session opens", async ({ page }) => {
      const { readyMs } = (await run(page, where, "ready")) as { readyMs: number };
      expect(readyMs).toBeGreaterThan(0);
    });

    test("1 MiB echoes intact on a bidirectional stream, ending with FIN", async ({ page }) => {
      expect(await run(page, where, "echoMebibyte")).toEqual({ sent: 1048576, received: 1048576, mismatches: 0 });
    });

    test("unidirectional streams go both ways", async ({ page }) => {
      expect(await run(page, where, "unidirectionalBothWays")).toEqual({
        received: ["first uni stream", "second uni stream, a little longer"],
      });
    });

    test("datagrams echo", async ({ page }) => {
      const result = (await run(page, where, "datagrams")) as { echoed: boolean; count: number };
      expect(result.echoed).toBe(true);
      expect(result.count).toBeGreaterThanOrEqual(1);
    });

    test("500 streams on one session", async ({ page }) => {
      expect(await run(page, where, "manyStreams", 500)).toEqual({ ok: 500 });
    });

    test("20 concurrent sessions", async ({ page }) => {
      expect(await run(page, where, "concurrentSessions", 20)).toEqual({ ok: 20 });
    });

    test("a session closed by the page: code and reason seen on both sides", async ({ page }) => {
      expect(await run(page, where, "clientCloses")).toEqual({ closeCode: 3003, reason: "client is done" });
      await relay.waitForLine(/session closed path=\/echo code=3003 reason="client is done"/);
    });

    test("a session closed by the relay: the page sees its code and reason", async ({ page }) => {
      expect(await run(page, where, "serverCloses")).toEqual({ closeCode: 4242, reason: "server says bye" });
    });

    test("the page's STOP_SENDING and RESET_STREAM codes reach the relay as WebTransport codes", async ({ page }) => {
      const before = relay.lines.length;
      expect(await run(page, where, "resetAndStop")).toEqual({ done: true });
      await relay.waitForLine(/stream stopped by peer code=9$/);
      await relay.waitForLine(/stream reset by peer code=7$/);
      expect(relay.lines.length).toBeGreaterThan(before);
    });

    test("a rejected path fails ready", async ({ page }) => {
      expect(await run(page, where, "rejectedPath", "/no-such-path")).toEqual({
        outcome: "rejected: WebTransportError",
      });
      await relay.waitForLine(/session \/no-such-path rejected 404/);
    });
  });
}
