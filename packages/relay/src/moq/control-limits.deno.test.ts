// The control stream's deadlines and bounds against the real relay, at its defaults (issue 11, items
// 4 and 8): a control message that stops part-way, a CLIENT_SETUP that never comes, and a namespace
// watcher that never reads its control stream while namespaces come and go. Each bad session is
// closed with CONTROL_MESSAGE_TIMEOUT while a good publisher → subscriber pair keeps receiving.
import assert from "node:assert/strict";
import type { Session } from "@moqkit/sdk/session";
import { concatBytes, encodeControlMessage, SessionErrorCode } from "@moqkit/sdk/wire";
import { isRunning, startRelay, stopRelay } from "../relay-process.ts";
import {
  closeCodeWithin,
  delay,
  goodPair,
  moqConnect,
  rawControl,
  rssMiB,
  RAW_CLIENT_SETUP as SETUP,
  withTimeout,
} from "./test-client.ts";

Deno.test({
  name: "a control message that stops part-way, or a missing CLIENT_SETUP, closes the session with CONTROL_MESSAGE_TIMEOUT",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = await startRelay();
    try {
      const good = await goodPair(relay, "deadline");
      // SUBSCRIBE_NAMESPACE (0x11) declaring 65,535 bytes, of which 10 come.
      const partial = await rawControl(relay);
      await partial.writer.write(concatBytes(SETUP, Uint8Array.of(0x11, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)));
      // Control stream opened, CLIENT_SETUP never sent (the 10 s setup deadline).
      const silent = await rawControl(relay);
      await silent.writer.write(new Uint8Array(0));
      // Half a CLIENT_SETUP.
      const halfSetup = await rawControl(relay);
      await halfSetup.writer.write(SETUP.subarray(0, 4));
      const started = Date.now();
      const [partialCode, silentCode, halfCode] = await Promise.all([
        closeCodeWithin(partial.transport, 12_000),
        closeCodeWithin(silent.transport, 12_000),
        closeCodeWithin(halfSetup.transport, 12_000),
      ]);
      const elapsed = Date.now() - started;
      assert.equal(partialCode, SessionErrorCode.CONTROL_MESSAGE_TIMEOUT, "the partial control message");
      assert.equal(silentCode, SessionErrorCode.CONTROL_MESSAGE_TIMEOUT, "no CLIENT_SETUP");
      assert.equal(halfCode, SessionErrorCode.CONTROL_MESSAGE_TIMEOUT, "half a CLIENT_SETUP");
      assert.ok(elapsed < 12_000, `closed after ${elapsed} ms`);
      for (const { transport } of [partial, silent, halfSetup]) transport.close();
      await good.check();
      assert.ok(await isRunning(relay), "the relay is still running");
    } finally {
      await stopRelay(relay);
    }
  },
});

Deno.test({
  name: "a namespace watcher that never reads its control stream is closed; the good pair carries on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = await startRelay();
    try {
      const good = await goodPair(relay, "steady");
      // The watcher: CLIENT_SETUP and SUBSCRIBE_NAMESPACE for "churn", then it never reads.
      const watcher = await rawControl(relay);
      await watcher.writer.write(
        concatBytes(
          SETUP,
          encodeControlMessage({
            kind: "subscribe_namespace",
            requestId: 0,
            namespacePrefix: [new TextEncoder().encode("churn")],
            parameters: [],
          }),
        ),
      );
      const watcherCode = closeCodeWithin(watcher.transport, 30_000);
      // Namespaces come and go under "churn", ~4 KB each: PUBLISH_NAMESPACE, then PUBLISH_NAMESPACE_DONE.
      const churner: Session = await moqConnect(relay);
      const filler = "x".repeat(4_000);
      let cycles = 0;
      let outcome: number | "open" | undefined;
      void watcherCode.then((code) => {
        outcome = code;
      });
      const rssBefore = await rssMiB(relay);
      const started = Date.now();
      while (outcome === undefined && Date.now() - started < 30_000) {
        const broadcasts = Array.from({ length: 20 }, (_, i) => churner.publish(["churn", filler, `${cycles}-${i}`]));
        await Promise.all(broadcasts.map((broadcast) => broadcast.ready.catch(() => {})));
        for (const broadcast of broadcasts) broadcast.close();
        cycles++;
        await delay(5);
      }
      const code = await watcherCode;
      console.log(
        `watcher closed with ${code} after ${cycles * 20} namespaces, ${Date.now() - started} ms; ` +
          `relay RSS ${rssBefore} -> ${await rssMiB(relay)} MiB`,
      );
      assert.equal(code, SessionErrorCode.CONTROL_MESSAGE_TIMEOUT, "the watcher that does not read");
      assert.equal(churner.isClosed, false, "the churning publisher is still connected");
      watcher.transport.close();
      // The churner and the good pair carry on after the watcher is gone.
      const after = churner.publish(["churn", "after"]);
      await withTimeout(after.ready, 2_000, "PUBLISH_NAMESPACE_OK after the watcher left");
      await delay(1_000);
      churner.close();
      await good.check();
      assert.ok(await isRunning(relay), "the relay is still running");
    } finally {
      await stopRelay(relay);
    }
  },
});
