// The moq-interop-runner's draft-14 relay cases (kixelated/moq-interop-runner docs/tests/TEST-CASES.md),
// run with moqkit's own client session against the real relay process, one test per case.
import assert from "node:assert/strict";
import { createTrack } from "@moqkit/sdk/cache";
import { RequestError } from "@moqkit/sdk/session";
import { intParameter, SetupParameter, SubscribeErrorCode } from "@moqkit/sdk/wire";
import { type Relay, startRelay, stopRelay, waitForLine } from "../relay-process.ts";
import { delay, moqConnect, withTimeout } from "./test-client.ts";

const NAMESPACE = ["moq-test", "interop"];
const TRACK = "test-track";

let relay: Relay;

Deno.test({
  name: "interop cases",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    relay = await startRelay();
    try {
      await t.step("setup-only: SERVER_SETUP with draft-14 and request credit, then a clean close", async () => {
        const session = await withTimeout(moqConnect(relay), 2_000, "setup");
        assert.equal(session.version, 0xff00000e);
        assert.ok((intParameter(session.peerParameters, SetupParameter.MAX_REQUEST_ID) ?? 0) > 0);
        session.close();
        await waitForLine(relay.lines, /moq session closed code=0 /);
      });

      await t.step("announce-only: PUBLISH_NAMESPACE gets PUBLISH_NAMESPACE_OK", async () => {
        const session = await moqConnect(relay);
        const broadcast = session.publish(NAMESPACE);
        await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        session.close();
      });

      await t.step("publish-namespace-done: OK, then PUBLISH_NAMESPACE_DONE is accepted", async () => {
        const session = await moqConnect(relay);
        const broadcast = session.publish(NAMESPACE);
        await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        broadcast.close();
        await waitForLine(relay.lines, /publish namespace done moq-test\/interop/);
        assert.equal(session.isClosed, false);
        session.close();
      });

      await t.step("subscribe-error: a track nobody publishes gets SUBSCRIBE_ERROR within 2 s", async () => {
        const session = await moqConnect(relay);
        const { track, ready } = session.subscribe(["nonexistent", "namespace"], TRACK);
        const error = await withTimeout(
          ready.then(
            () => undefined,
            (e: unknown) => e,
          ),
          2_000,
          "SUBSCRIBE_ERROR",
        );
        assert.ok(error instanceof RequestError, `expected a RequestError, got ${String(error)}`);
        assert.equal(error.code, SubscribeErrorCode.TRACK_DOES_NOT_EXIST);
        await assert.rejects(track.nextSegment(), (e: Error & { code?: string }) => e.code === "not-found");
        assert.equal(session.isClosed, false);
        session.close();
      });

      await t.step(
        "announce-subscribe: the relay routes SUBSCRIBE to the publisher and answers SUBSCRIBE_OK",
        async () => {
          const publisher = await moqConnect(relay);
          const subscriber = await moqConnect(relay);
          const broadcast = publisher.publish(NAMESPACE);
          broadcast.addTrack(TRACK, createTrack(TRACK)[1]);
          await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
          const { ready } = subscriber.subscribe(NAMESPACE, TRACK);
          const info = await withTimeout(ready, 3_000, "SUBSCRIBE_OK");
          assert.equal(info.largest, undefined);
          publisher.close();
          subscriber.close();
        },
      );

      await t.step("subscribe-before-announce: a SUBSCRIBE held until the namespace appears 500 ms later", async () => {
        const subscriber = await moqConnect(relay);
        const answer = subscriber.subscribe(NAMESPACE, TRACK).ready;
        await delay(500);
        const publisher = await moqConnect(relay);
        const broadcast = publisher.publish(NAMESPACE);
        broadcast.addTrack(TRACK, createTrack(TRACK)[1]);
        await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
        const info = await withTimeout(answer, 3_000, "SUBSCRIBE_OK");
        assert.equal(typeof info.trackAlias, "number");
        publisher.close();
        subscriber.close();
      });
    } finally {
      await stopRelay(relay);
    }
  },
});
