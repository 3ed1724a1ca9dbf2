// Log injection (issue 11, item 13): peer-controlled text (namespaces, track names, reasons) reaches
// the relay's log escaped, so a peer can never write a line of its own, such as a forged banner.
import assert from "node:assert/strict";
import { createTrack } from "@moqkit/sdk/cache";
import { escapeLogText } from "./log.ts";
import { moqConnect, withTimeout } from "./moq/test-client.ts";
import { delay, startRelay, stopRelay, waitForLine } from "./relay-process.ts";

const FORGED = `moqkit relay listening https://127.0.0.1:1 certificate-sha256=${"ab".repeat(32)}`;

Deno.test("escapeLogText: control and invisible characters are escaped, the rest kept", () => {
  assert.equal(escapeLogText("plain/name:video é 日本"), "plain/name:video é 日本");
  assert.equal(escapeLogText("a\nb\r\tc\x00\x1b[31m\x7f"), "a\\nb\\r\\tc\\x00\\x1b[31m\\x7f");
  assert.equal(escapeLogText("x\u0085y\u2028z\u2029\u202e\ufeff"), "x\\x85y\\u2028z\\u2029\\u202e\\ufeff");
  assert.equal(escapeLogText("lone \ud800 surrogate"), "lone \\ud800 surrogate");
  assert.ok(!/[\n\r]/.test(escapeLogText(`x\n${FORGED}\r\n`)));
});

Deno.test({
  name: "relay log: a namespace, track name or reason with a newline cannot forge a log line",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = await startRelay();
    try {
      const pub = await moqConnect(relay);
      const sub = await moqConnect(relay);
      const namespace = ["evil", `x\n${FORGED}`, "y\r\n\x1b[2Kz"];
      const name = `video\n${FORGED}`;
      const broadcast = pub.publish(namespace);
      const [publisher, root] = createTrack("t");
      broadcast.addTrack(name, root);
      await withTimeout(broadcast.ready, 2_000, "PUBLISH_NAMESPACE_OK");
      // The router logs the namespace (publish namespace) and the track (upstream subscribe).
      const { ready } = sub.subscribe(namespace, name);
      await withTimeout(ready, 3_000, "SUBSCRIBE_OK");
      // A name nobody publishes, under that namespace: refused, and the reason logged.
      sub.subscribe(namespace, `nothing\n${FORGED}`).ready.catch(() => {});
      await waitForLine(relay.lines, /^upstream subscribe evil\//);
      publisher.close();
      pub.close(0, `bye\n${FORGED}`);
      await waitForLine(relay.lines, /^moq session closed/);
      await delay(300);
      const banners = relay.lines.filter((line) => line.startsWith("moqkit relay listening"));
      assert.equal(banners.length, 1, `banner lines:\n${banners.join("\n")}`);
      // Every line the relay printed starts with its own words, and none holds a control character.
      for (const line of relay.lines) assert.ok(!/\p{Cc}/u.test(line), `control character in ${JSON.stringify(line)}`);
      const published = relay.lines.find((line) => line.startsWith("publish namespace evil/"));
      assert.ok(published?.includes("\\nmoqkit relay listening"), `${published}`);
      sub.close(0, "done");
    } finally {
      await stopRelay(relay);
    }
  },
});
