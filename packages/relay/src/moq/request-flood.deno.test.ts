// SUBSCRIBE floods (issue 11, item 7), against the real relay process. Before, a client's ~7,000
// SUBSCRIBEs a second all reached the publisher. Now the relay hands a session request IDs
// (MAX_REQUEST_ID) no faster than --max-requests-per-second past its first 100, so a flood waits at
// its source; and an upstream subscription outlives its last viewer by --linger-ms, so a viewer
// subscribing to the same track again and again is answered by the relay, not the publisher.
// The publisher here is written by hand: it counts every SUBSCRIBE that reaches it.
import assert from "node:assert/strict";
import { RequestError, type Session } from "@moqkit/sdk/session";
import {
  type ControlMessage,
  concatBytes,
  encodeControlMessage,
  readControlMessage,
  StreamReader,
} from "@moqkit/sdk/wire";
import { type Relay, startRelay, stopRelay } from "../relay-process.ts";
import { delay, moqConnect, RAW_CLIENT_SETUP, rawControl, withTimeout } from "./test-client.ts";

const text = new TextEncoder();
const decoder = new TextDecoder();

/** A publisher of `namespace` that answers every SUBSCRIBE with SUBSCRIBE_OK and counts them by track name. */
async function countingPublisher(relay: Relay, namespace: string) {
  const raw = await rawControl(relay);
  await raw.writer.write(
    concatBytes(
      RAW_CLIENT_SETUP,
      encodeControlMessage({
        kind: "publish_namespace",
        requestId: 0,
        namespace: [text.encode(namespace)],
        parameters: [],
      }),
    ),
  );
  const reader = new StreamReader(raw.control.readable);
  const subscribes = new Map<string, number>();
  let alias = 1;
  const next = () => withTimeout(readControlMessage(reader), 3_000, "the relay's next control message");
  assert.equal((await next())?.kind, "server_setup");
  assert.equal((await next())?.kind, "publish_namespace_ok");
  const answer = (message: ControlMessage) => raw.writer.write(encodeControlMessage(message));
  const loop = (async () => {
    for (;;) {
      const message = await readControlMessage(reader).catch(() => undefined);
      if (message === undefined) return;
      if (message.kind !== "subscribe") continue;
      const name = decoder.decode(message.trackName);
      subscribes.set(name, (subscribes.get(name) ?? 0) + 1);
      await answer({
        kind: "subscribe_ok",
        requestId: message.requestId,
        trackAlias: alias++,
        expires: 0,
        groupOrder: 2,
        parameters: [],
      });
    }
  })();
  return {
    subscribes,
    total: () => [...subscribes.values()].reduce((sum, count) => sum + count, 0),
    async close() {
      raw.transport.close();
      await loop;
    },
  };
}

/** SUBSCRIBE then UNSUBSCRIBE, as fast as the session allows, until `ms` have passed; the SUBSCRIBE_OKs. */
async function subscribeLoop(session: Session, namespace: string, names: (i: number) => string, ms: number) {
  const started = Date.now();
  let answered = 0;
  for (let i = 0; i < 100_000 && Date.now() - started < ms; i++) {
    const { track, ready } = session.subscribe([namespace], names(i));
    const settled = await Promise.race([ready.then(() => true), delay(ms).then(() => false)]).catch((error) => {
      if (error instanceof RequestError) return false;
      throw error;
    });
    track.close();
    if (settled) answered++;
  }
  return { answered, elapsedMs: Date.now() - started };
}

Deno.test({
  name: "a SUBSCRIBE flood is paced by request credit, and repeats are answered by the relay",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const relay = await startRelay(["--max-requests-per-second", "20"]);
    const publisher = await countingPublisher(relay, "flooded");
    try {
      await t.step("distinct tracks: the publisher sees at most the first 100 and 20 a second", async () => {
        const flooder = await moqConnect(relay);
        const { answered, elapsedMs } = await subscribeLoop(flooder, "flooded", (i) => `t${i}`, 3_000);
        const reached = publisher.total();
        const bound = 100 + 20 * (elapsedMs / 1000) + 10;
        console.log(
          `flood: ${answered} SUBSCRIBE_OK in ${elapsedMs} ms; ${reached} reached the publisher (bound ${bound.toFixed(0)})`,
        );
        assert.ok(reached <= bound, `${reached} SUBSCRIBEs reached the publisher in ${elapsedMs} ms`);
        assert.ok(answered >= 100, `the flooder still got answers (${answered})`);
        assert.equal(flooder.isClosed, false, "the flooder waits for credit; it is not closed");
        // A good viewer on another session is answered at once.
        const viewer = await moqConnect(relay);
        const asked = performance.now();
        const { track, ready } = viewer.subscribe(["flooded"], "good");
        await withTimeout(ready, 2_000, "the good viewer's SUBSCRIBE_OK");
        const tookMs = performance.now() - asked;
        console.log(`a good viewer's SUBSCRIBE_OK after the flood: ${tookMs.toFixed(1)} ms`);
        assert.ok(tookMs < 500, `the good viewer waited ${tookMs.toFixed(0)} ms`);
        track.close();
        viewer.close();
        flooder.close();
      });

      await t.step("one track again and again: a single SUBSCRIBE reaches the publisher", async () => {
        const repeater = await moqConnect(relay);
        const { answered } = await subscribeLoop(repeater, "flooded", () => "video", 1_500);
        console.log(`repeats: ${answered} SUBSCRIBE_OK; ${publisher.subscribes.get("video")} reached the publisher`);
        assert.ok(answered >= 50, `only ${answered} repeats were answered`);
        assert.equal(publisher.subscribes.get("video"), 1, "the relay answers the repeats itself");
        repeater.close();
      });
    } finally {
      await publisher.close();
      await stopRelay(relay);
    }
  },
});
