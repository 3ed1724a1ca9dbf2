// A publisher that grants the relay no request IDs (issue 11, item 8), against the real relay
// process. Its CLIENT_SETUP gives MAX_REQUEST_ID 0 and it never sends more, so the relay can never
// send it a SUBSCRIBE. Before, a viewer of its namespace waited 20 s and more with no answer; now
// the viewer gets SUBSCRIBE_ERROR TIMEOUT (0x2) after --upstream-timeout-ms, and the relay's waiting
// request is given up.
import assert from "node:assert/strict";
import { RequestError } from "@moqkit/sdk/session";
import {
  concatBytes,
  encodeControlMessage,
  readControlMessage,
  StreamReader,
  SubscribeErrorCode,
} from "@moqkit/sdk/wire";
import { startRelay, stopRelay } from "../relay-process.ts";
import { moqConnect, rawControl, withTimeout } from "./test-client.ts";

Deno.test({
  name: "a publisher that grants no request IDs: its viewers get SUBSCRIBE_ERROR TIMEOUT, not silence",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = await startRelay(["--upstream-timeout-ms", "1000"]);
    try {
      const stingy = await rawControl(relay);
      await stingy.writer.write(
        concatBytes(
          encodeControlMessage({ kind: "client_setup", versions: [0xff00000e], parameters: [] }),
          encodeControlMessage({
            kind: "publish_namespace",
            requestId: 0,
            namespace: [new TextEncoder().encode("stingy")],
            parameters: [],
          }),
        ),
      );
      const reader = new StreamReader(stingy.control.readable);
      assert.equal((await withTimeout(readControlMessage(reader), 3_000, "SERVER_SETUP"))?.kind, "server_setup");
      assert.equal((await withTimeout(readControlMessage(reader), 3_000, "the reply"))?.kind, "publish_namespace_ok");

      const viewer = await moqConnect(relay);
      const asked = performance.now();
      const { ready } = viewer.subscribe(["stingy"], "video");
      const error = await withTimeout(
        ready.then(
          () => undefined,
          (reason: unknown) => reason,
        ),
        5_000,
        "the viewer's answer",
      );
      const tookMs = performance.now() - asked;
      console.log(`viewer answered after ${tookMs.toFixed(0)} ms: ${String(error)}`);
      assert.ok(error instanceof RequestError, `a RequestError, got ${String(error)}`);
      assert.equal(error.code, SubscribeErrorCode.TIMEOUT);
      assert.ok(tookMs < 3_000, `answered after ${tookMs.toFixed(0)} ms`);
      // The relay asked for credit (REQUESTS_BLOCKED) and sent no SUBSCRIBE it had no ID for.
      const seen = await withTimeout(readControlMessage(reader), 1_000, "REQUESTS_BLOCKED");
      assert.equal(seen?.kind, "requests_blocked");
      viewer.close();
      stingy.transport.close();
    } finally {
      await stopRelay(relay);
    }
  },
});
