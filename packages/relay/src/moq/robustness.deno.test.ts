// Bad MoQT input against the real relay, while a good publisher and subscriber keep going: each bad
// session is closed on its own (or left waiting for bytes that never come), the relay keeps running,
// and the good subscriber gets every group.
import assert from "node:assert/strict";
import { createTrack } from "@moqkit/sdk/cache";
import { concatBytes, encodeControlMessage, encodeSubgroupHeader, SessionErrorCode } from "@moqkit/sdk/wire";
import { isRunning, startRelay, stopRelay } from "../relay-process.ts";
import { connect } from "../webtransport/client.ts";
import { seededRandom } from "../webtransport/test-bytes.ts";
import { delay, moqConnect, readGroups, withTimeout } from "./test-client.ts";

const BAD_SESSIONS = 40;
const GROUPS = 20;

function randomBytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

const SETUP = encodeControlMessage({ kind: "client_setup", versions: [0xff00000e], parameters: [] });

/** What a bad session sends: garbage at several depths of the protocol. */
function badInput(random: () => number, index: number): { control: Uint8Array; data: Uint8Array[] } {
  const garbage = randomBytes(random, 1 + Math.floor(random() * 300));
  switch (index % 5) {
    case 0: // garbage instead of CLIENT_SETUP
      return { control: garbage, data: [] };
    case 1: // a good setup, then garbage control messages
      return { control: concatBytes(SETUP, garbage), data: [] };
    case 2: // a good setup, then a valid message type with a garbage body of the right length
      return {
        control: concatBytes(
          SETUP,
          Uint8Array.of(0x03, 0x00, garbage.length & 0xff),
          garbage.subarray(0, garbage.length & 0xff),
        ),
        data: [],
      };
    case 3: // a good setup, then garbage data streams
      return { control: SETUP, data: [garbage, randomBytes(random, 50)] };
    default: // a good setup, then a subgroup for an alias nobody knows, then garbage objects
      return {
        control: SETUP,
        data: [
          concatBytes(
            encodeSubgroupHeader({ trackAlias: 99, groupId: 1, subgroupId: 0, publisherPriority: 0 }),
            garbage,
          ),
        ],
      };
  }
}

Deno.test({
  name: "bad MoQT sessions close on their own; the relay and a good session carry on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = await startRelay();
    try {
      const pub = await moqConnect(relay);
      const sub = await moqConnect(relay);
      const broadcast = pub.publish(["robust"]);
      const [publisher, root] = createTrack("video");
      broadcast.addTrack("video", root);
      await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
      const { track, ready } = sub.subscribe(["robust"], "video");
      await withTimeout(ready, 2_000, "SUBSCRIBE_OK");
      const received = readGroups(track, GROUPS);

      const random = seededRandom(0x5eed);
      const codes: (number | "open")[] = [];
      const bad = Array.from({ length: BAD_SESSIONS }, (_, index) => badInput(random, index));
      let group = 0;
      for (let i = 0; i < bad.length; i += 10) {
        // Ten bad sessions at a time, with good groups flowing in between.
        codes.push(
          ...(await Promise.all(
            bad.slice(i, i + 10).map(async ({ control, data }) => {
              const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, { caCerts: [relay.pem] });
              await transport.ready;
              const stream = await transport.createBidirectionalStream();
              const writer = stream.writable.getWriter();
              await writer.write(control).catch(() => {});
              for (const bytes of data) {
                const uni = (await transport.createUnidirectionalStream()).getWriter();
                await uni.write(bytes).catch(() => {});
                await uni.close().catch(() => {});
              }
              const outcome = await Promise.race([
                transport.closed.then((info) => info.closeCode),
                delay(1_000).then(() => "open" as const),
              ]);
              transport.close();
              return outcome;
            }),
          )),
        );
        for (let n = 0; n < GROUPS / 4; n++, group++) {
          const segment = publisher.createSegment({ sequence: group, priority: 0 });
          segment.writeChunk(Uint8Array.of(group, 1, 2, 3));
          segment.close();
        }
      }
      const groups = await withTimeout(received, 5_000, "the good subscriber's groups");
      assert.equal(groups.size, GROUPS);
      for (const [sequence, objects] of groups) assert.deepEqual(objects, [Uint8Array.of(sequence, 1, 2, 3)]);
      assert.equal(pub.isClosed || sub.isClosed, false);
      assert.ok(await isRunning(relay), "the relay is still running");
      // Garbage before or in place of a message closes with a protocol error; only inputs that
      // stop in the middle of a message leave the session waiting ("open").
      const closedWith = codes.filter((code) => code !== "open");
      assert.ok(closedWith.length >= BAD_SESSIONS / 2, `only ${closedWith.length} bad sessions were closed: ${codes}`);
      for (const code of closedWith) {
        assert.ok(
          [
            SessionErrorCode.PROTOCOL_VIOLATION,
            SessionErrorCode.VERSION_NEGOTIATION_FAILED,
            SessionErrorCode.INVALID_REQUEST_ID,
            SessionErrorCode.KEY_VALUE_FORMATTING_ERROR,
            SessionErrorCode.TOO_MANY_REQUESTS,
          ].includes(code as 3),
          `unexpected close code ${code}`,
        );
      }
      // Each bad input was recognised as such, never as an internal failure of the relay.
      assert.deepEqual(
        relay.lines.filter((line) => /session error|internal error/.test(line)),
        [],
      );
      assert.ok(relay.lines.filter((line) => /protocol violation/.test(line)).length >= closedWith.length / 2);
      pub.close();
      sub.close();
    } finally {
      await stopRelay(relay);
    }
  },
});

/** A raw client: a valid CLIENT_SETUP, then `after`; resolves with the code the relay closes with. */
async function closeCodeAfter(
  port: number,
  pem: string,
  after: Uint8Array,
  extra: { secondBidi?: boolean; datagram?: Uint8Array } = {},
): Promise<number | "open"> {
  const transport = await connect(`https://127.0.0.1:${port}/moq`, { caCerts: [pem] });
  await transport.ready;
  const control = await transport.createBidirectionalStream();
  const writer = control.writable.getWriter();
  await writer.write(concatBytes(SETUP, after));
  if (extra.secondBidi === true) {
    const second = await transport.createBidirectionalStream();
    await second.writable.getWriter().write(Uint8Array.of(0));
  }
  if (extra.datagram !== undefined) {
    await delay(50);
    await transport.datagrams.writable.getWriter().write(extra.datagram);
  }
  const outcome = await Promise.race([
    transport.closed.then((info) => info.closeCode),
    delay(2_000).then(() => "open" as const),
  ]);
  transport.close();
  return outcome;
}

Deno.test({
  name: "each protocol rule the relay enforces closes the session with the draft's code",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const relay = await startRelay();
    const text = new TextEncoder();
    const ns = [text.encode("rules")];
    const message = encodeControlMessage;
    const cases: [string, Uint8Array, number, { secondBidi?: boolean; datagram?: Uint8Array }?][] = [
      ["a second CLIENT_SETUP", SETUP, SessionErrorCode.PROTOCOL_VIOLATION],
      [
        "a second GOAWAY",
        concatBytes(message({ kind: "goaway", newSessionUri: "" }), message({ kind: "goaway", newSessionUri: "" })),
        SessionErrorCode.PROTOCOL_VIOLATION,
      ],
      [
        "a client's GOAWAY naming a URI",
        message({ kind: "goaway", newSessionUri: "https://x/" }),
        SessionErrorCode.PROTOCOL_VIOLATION,
      ],
      [
        "MAX_REQUEST_ID that does not grow",
        concatBytes(
          message({ kind: "max_request_id", requestId: 5 }),
          message({ kind: "max_request_id", requestId: 5 }),
        ),
        SessionErrorCode.PROTOCOL_VIOLATION,
      ],
      [
        "SUBSCRIBE_OK for a request never made",
        message({
          kind: "subscribe_ok",
          requestId: 7,
          trackAlias: 1,
          expires: 0,
          groupOrder: 2,
          largest: undefined,
          parameters: [],
        }),
        SessionErrorCode.PROTOCOL_VIOLATION,
      ],
      [
        "SUBSCRIBE_UPDATE for no subscription",
        message({
          kind: "subscribe_update",
          requestId: 0,
          subscriptionRequestId: 40,
          start: { group: 0, object: 0 },
          endGroup: 0,
          subscriberPriority: 1,
          forward: true,
          parameters: [],
        }),
        SessionErrorCode.PROTOCOL_VIOLATION,
      ],
      [
        "a request ID of the server's parity",
        message({ kind: "publish_namespace", requestId: 1, namespace: ns, parameters: [] }),
        SessionErrorCode.INVALID_REQUEST_ID,
      ],
      [
        "two PUBLISHes with one track alias",
        concatBytes(
          message({
            kind: "publish",
            requestId: 0,
            namespace: ns,
            trackName: text.encode("a"),
            trackAlias: 9,
            groupOrder: 2,
            largest: undefined,
            forward: true,
            parameters: [],
          }),
          message({
            kind: "publish",
            requestId: 2,
            namespace: ns,
            trackName: text.encode("b"),
            trackAlias: 9,
            groupOrder: 2,
            largest: undefined,
            forward: true,
            parameters: [],
          }),
        ),
        SessionErrorCode.DUPLICATE_TRACK_ALIAS,
      ],
      ["a second bidirectional stream", new Uint8Array(0), SessionErrorCode.PROTOCOL_VIOLATION, { secondBidi: true }],
      [
        "a datagram of an unknown type",
        new Uint8Array(0),
        SessionErrorCode.PROTOCOL_VIOLATION,
        { datagram: Uint8Array.of(0x3f, 1, 2) },
      ],
      [
        "a datagram whose extensions are present but empty",
        new Uint8Array(0),
        SessionErrorCode.PROTOCOL_VIOLATION,
        { datagram: Uint8Array.of(0x01, 5, 0, 0, 1, 0) },
      ],
    ];
    try {
      for (const [what, after, code, extra] of cases) {
        await t.step(what, async () => {
          assert.equal(await closeCodeAfter(relay.port, relay.pem, after, extra), code);
        });
      }
      assert.ok(await isRunning(relay));
    } finally {
      await stopRelay(relay);
    }
  },
});
