// Interoperability of moqkit's MoQT (draft-14) session with an independent implementation,
// @moq/lite 0.2.2, in headless Chromium over real QUIC on loopback:
//   1. @moq/lite publishes through the relay, moqkit subscribes;
//   2. moqkit publishes through the relay, @moq/lite subscribes;
//   3. moqkit connects straight to a @moq/lite server (Deno, on our WebTransport layer), both ways;
// and @moq/lite ending its track at once (its PUBLISH_DONE says Stream Count 0 and comes first).
// Every frame is compared byte for byte (in the page or the peer) and by SHA-256 here.
import { expect, type Page, test } from "@playwright/test";
import type { ReceiveReport } from "./fixtures/moq-interop/frames.ts";
import type { MoqkitToPeerResult, PeerToMoqkitResult } from "./fixtures/moq-interop/harness.ts";
import type { DirectResult, ScenarioName } from "./fixtures/moq-interop/main.ts";
import { dump, expected, runScenario, uniqueName } from "./interop-page.ts";
import { type PeerProcess, startMoqLitePeer } from "./moq-lite-peer.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

test.describe.configure({ timeout: 30_000 });

let relay: RelayProcess;
let peer: PeerProcess;
test.beforeAll(async () => {
  [relay, peer] = await Promise.all([startRelay(), startMoqLitePeer()]);
});
test.afterAll(async () => {
  await Promise.all([relay?.stop(), peer?.stop()]);
});

function run(page: Page, name: ScenarioName, target: { url: string; hash: string }, arg: string) {
  return runScenario(page, "moq-interop", name, target, arg);
}

test("@moq/lite publishes through the relay: moqkit gets every group and frame byte-identical", async ({ page }) => {
  const name = uniqueName("interop");
  const target = { url: relay.url, hash: relay.certificateSha256 };
  const result = (await run(page, "liteToMoqkit", target, name)) as PeerToMoqkitResult;
  dump("lite-to-moqkit", { ...result, relay: relay.lines });

  expect(result.peerVersion).toMatch(/14/); // @moq/lite fell back to draft-14 against our relay
  expect(result.requestedTrack).toBe("video");
  expect(result.received.mismatches).toEqual([]);
  expect(result.received).toEqual(await expected(name));
  expect(result.endedAfterClose).toBe("clean"); // @moq/lite's PUBLISH_DONE (status 200) ended the track
  await relay.waitForLine(new RegExp(`upstream subscribe ${name}:video`));
});

// @moq/lite sends PUBLISH_DONE (status 200) with Stream Count 0 before it even opens its group
// streams; moqkit reads that as "count unknown" and waits for the streams that follow.
test("@moq/lite closes its track right after writing: moqkit still gets every group", async ({ page }) => {
  const name = uniqueName("interop");
  const target = { url: relay.url, hash: relay.certificateSha256 };
  const result = (await run(page, "liteClosesAtOnce", target, name)) as PeerToMoqkitResult;
  dump("lite-closes-at-once", { ...result, relay: relay.lines });
  expect(result.endedAfterClose).toBe("clean");
  expect(result.received).toEqual(await expected(name));
});

test("moqkit publishes through the relay: @moq/lite gets every group and frame byte-identical", async ({ page }) => {
  const name = uniqueName("interop");
  const target = { url: relay.url, hash: relay.certificateSha256 };
  const result = (await run(page, "moqkitToLite", target, name)) as MoqkitToPeerResult;
  dump("moqkit-to-lite", { ...result, relay: relay.lines });

  expect(result.peerVersion).toMatch(/14/);
  expect(result.received.mismatches).toEqual([]);
  expect(result.received).toEqual(await expected(name));
  expect(result.endedAfterClose).toBe("clean"); // moqkit's PUBLISH_DONE, relayed, closed @moq/lite's track
});

test("moqkit and a @moq/lite server, directly: both directions byte-identical", async ({ page }) => {
  const id = uniqueName("direct");
  const target = { url: peer.url, hash: peer.certificateSha256 };
  const result = (await run(page, "direct", target, id).catch(async (error: Error) => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    throw new Error(`${error.message}\nthe peer printed:\n${peer.lines.join("\n")}`);
  })) as DirectResult;
  const { beforeSignal, last } = result.written;
  // moqkit sends newest first (the peer asked for descending group order): wait for each group
  // written after the peer's groups arrived, not just the last one.
  for (let sequence = beforeSignal; sequence <= last; sequence++)
    await peer.waitForLine(new RegExp(`^peer (group id=${id} sequence=${sequence} |failed id=${id} )`), 10_000);
  await page.evaluate(() => (window as unknown as { interop: { closeAll(): void } }).interop.closeAll());
  const dropped = peer.lines.filter((line) => line.startsWith(`peer stopped a data stream id=${id} `));
  dump("direct", { ...result, peer: peer.lines });

  // moqkit → @moq/lite, as the peer saw it: every group written once the peer's subscription was
  // live, and whichever earlier ones it kept, each whole and byte-identical.
  expect(peer.lines.filter((line) => line.startsWith(`peer failed id=${id} `))).toEqual([]);
  const atPeer = new Map<number, ReceiveReport>();
  const pattern = new RegExp(`^peer group id=${id} sequence=(\\d+) (.*)$`);
  for (const line of peer.lines) {
    const match = pattern.exec(line);
    if (match !== null) atPeer.set(Number(match[1]), JSON.parse(match[2] ?? "") as ReceiveReport);
  }
  const sequences = [...atPeer.keys()].sort((a, b) => a - b);
  test.info().annotations.push({
    type: "moqkit groups",
    description:
      `0..${last} written (${beforeSignal} before the peer's first group arrived); the peer got ` +
      `${sequences.join(",")}; @moq/lite stopped ${dropped.length} stream(s): ${dropped.join("; ")}`,
  });
  for (let sequence = beforeSignal; sequence <= last; sequence++) expect(sequences).toContain(sequence);
  for (const sequence of sequences) {
    const want = await expected(`moqkit-${id}`, [sequence]);
    expect(atPeer.get(sequence), `moqkit's group ${sequence} at @moq/lite`).toEqual(want);
  }

  // @moq/lite → moqkit.
  expect(result.received.mismatches).toEqual([]);
  expect(result.received).toEqual(await expected(`lite-${id}`));

  // The peer is @moq/lite's draft-14 server: SERVER_SETUP (0x21) chose 0xff00000e.
  const serverSetup = result.wire.find((record) => record.direction === "in" && record.type === 0x21);
  expect(serverSetup?.hex).toMatch(/^21 [0-9a-f]{2} [0-9a-f]{2} c0 00 00 00 ff 00 00 0e /);
  expect(result.peerParameters).toContainEqual({ type: 7, value: "moq-lite-js" });
  expect(peer.lines).toContain(`peer request id=${id} track=video priority=128`);
});
