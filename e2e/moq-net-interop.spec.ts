// Interoperability of moqkit's MoQT (draft-14) session with @moq/net 0.2.8 (moq-dev's successor of
// @moq/lite, the networking layer of @moq/watch and @moq/publish), in headless Chromium over real
// QUIC on loopback, through the relay (which selects no WebTransport sub-protocol, so @moq/net
// falls back to its draft-14 CLIENT_SETUP):
//   1. @moq/net sets up a session with the relay and negotiates draft-14;
//   2. @moq/net publishes, moqkit subscribes;
//   3. moqkit publishes, @moq/net subscribes.
// Every frame is compared byte for byte in the page and by SHA-256 here. @moq/net's wire is
// recorded in the page (fixtures/moq-net-interop/main.ts): its draft-14 bytes are checked too.
import { expect, type Page, test } from "@playwright/test";
import type { MoqkitToPeerResult, PeerToMoqkitResult } from "./fixtures/moq-interop/harness.ts";
import type { WireRecord } from "./fixtures/moq-interop/tap.ts";
import type { ScenarioName, SetupResult } from "./fixtures/moq-net-interop/main.ts";
import { dump, expected, runScenario, uniqueName } from "./interop-page.ts";
import { type RelayProcess, startRelay } from "./relay.ts";

test.describe.configure({ timeout: 20_000 });

let relay: RelayProcess;
test.beforeAll(async () => {
  relay = await startRelay();
});
test.afterAll(async () => {
  await relay?.stop();
});

function run(page: Page, name: ScenarioName, arg = "") {
  return runScenario(page, "moq-net-interop", name, { url: relay.url, hash: relay.certificateSha256 }, arg);
}

/** @moq/net's control messages of one type, hex: sent ("out") or received ("in"). */
function control(wire: WireRecord[], direction: "in" | "out", type: number): string[] {
  return wire
    .filter((record) => record.kind === "control" && record.direction === direction && record.type === type)
    .map((record) => record.hex);
}

/** A byte (< 0x40: also a one-byte varint), or a string's UTF-8 bytes, as tap.ts writes hex. */
function hex(value: number | string): string {
  const bytes = typeof value === "number" ? [value] : new TextEncoder().encode(value);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(" ");
}

// @moq/net 0.2.8's CLIENT_SETUP (0x20, u16 length 0x31): versions moq-lite-02, moq-lite-01, then
// draft-14 (8-byte varints); MAX_REQUEST_ID (0x02) = 42069; SOLICIT (0x40b5a, draft-lcurley-moq-
// solicit) = 1; IMPLEMENTATION as id 0x07 = "moq-lite-js".
const NET_CLIENT_SETUP =
  "20 00 31 03 c0 00 00 00 ff 0d ad 02 c0 00 00 00 ff 0d ad 01 c0 00 00 00 ff 00 00 0e " +
  "03 02 80 00 a4 55 80 04 0b 5a 01 07 0b 6d 6f 71 2d 6c 69 74 65 2d 6a 73";

test("@moq/net sets up a session with the relay: draft-14", async ({ page }) => {
  const result = (await run(page, "setup")) as SetupResult;
  dump("net-setup", result);

  expect(result.version).toBe("moq-transport-14"); // what @moq/net says it negotiated
  expect(control(result.wire, "out", 0x20)).toEqual([NET_CLIENT_SETUP]);
  // The relay's SERVER_SETUP (0x21) chose draft-14, 0xff00000e.
  expect(control(result.wire, "in", 0x21)).toEqual([
    expect.stringMatching(/^21 00 [0-9a-f]{2} c0 00 00 00 ff 00 00 0e /),
  ]);
});

test("@moq/net publishes through the relay: moqkit gets every group and frame byte-identical", async ({ page }) => {
  const name = uniqueName("net");
  const result = (await run(page, "netToMoqkit", name)) as PeerToMoqkitResult & { wire: WireRecord[] };
  dump("net-to-moqkit", { ...result, relay: relay.lines });

  expect(result.peerVersion).toBe("moq-transport-14");
  expect(result.requestedTrack).toBe("video");
  expect(result.received.mismatches).toEqual([]);
  expect(result.received).toEqual(await expected(name));
  expect(result.endedAfterClose).toBe("clean"); // @moq/net's PUBLISH_DONE (status 200), relayed
  await relay.waitForLine(new RegExp(`upstream subscribe ${name}:video`));

  // What @moq/net sent. PUBLISH_NAMESPACE: request 0, the name as one field, no parameters.
  expect(control(result.wire, "out", 0x06)).toEqual([
    `06 00 ${hex(name.length + 4)} 00 01 ${hex(name.length)} ${hex(name)} 00`,
  ]);
  // SUBSCRIBE_OK: track alias = the relay's request ID, Expires 0, descending, no content, no parameters.
  const [subscribeOk] = control(result.wire, "out", 0x04);
  expect(subscribeOk).toMatch(/^04 00 06 ([0-9a-f]{2}) \1 00 02 00 00$/);
  const alias = subscribeOk?.slice(9, 11);
  // One stream a group, header type 0x19 (subgroup 0, with extensions, end of group), priority 0;
  // each object has Object ID delta 0 and a Timestamp extension (type 0x10, here in ms).
  const streams = result.wire.filter((record) => record.kind === "data" && record.direction === "out");
  expect(streams.map((record) => record.hex).sort()).toEqual(
    [0, 1, 2, 3, 4].map((g) => expect.stringMatching(new RegExp(`^19 ${alias} ${hex(g)} 00 00 0[23] 10 `))),
  );
  // PUBLISH_DONE: status 200 (HTTP-style), Stream Count 0 although it opened 5 streams, "OK".
  expect(control(result.wire, "out", 0x0b)).toEqual([`0b 00 07 ${alias} 40 c8 00 02 4f 4b`]);
});

test("moqkit publishes through the relay: @moq/net gets every group and frame byte-identical", async ({ page }) => {
  const name = uniqueName("net");
  const result = (await run(page, "moqkitToNet", name)) as MoqkitToPeerResult & { wire: WireRecord[] };
  dump("moqkit-to-net", { ...result, relay: relay.lines });

  expect(result.peerVersion).toBe("moq-transport-14");
  expect(result.received.mismatches).toEqual([]);
  expect(result.received).toEqual(await expected(name));
  expect(result.endedAfterClose).toBe("clean"); // moqkit's PUBLISH_DONE, relayed, closed @moq/net's track

  // @moq/net's SUBSCRIBE: request 0, the name as one field, "video", priority 0xff (its priority 0,
  // inverted), descending, Forward 1, LargestObject, no parameters.
  expect(control(result.wire, "out", 0x03)).toEqual([
    `03 00 ${hex(name.length + 14)} 00 01 ${hex(name.length)} ${hex(name)} 05 ${hex("video")} ff 02 01 02 00`,
  ]);
});
