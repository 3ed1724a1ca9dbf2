// Certificate renewal without a restart: new connections get the new certificate, open ones carry on.
import assert from "node:assert/strict";
import { generateCertificate } from "./certificate.ts";
import { connect, listen } from "./index.ts";

Deno.test("updateCertificate serves new connections with the new certificate only", async () => {
  const [first, second] = await Promise.all([generateCertificate(), generateCertificate()]);
  const server = listen({ hostname: "127.0.0.1", port: 0, cert: first.certPem, key: first.keyPem, log: () => {} });
  const serving = (async () => {
    for await (const session of server) session.accept();
  })();
  const url = `https://127.0.0.1:${server.addr.port}/`;
  const before = await connect(url, { caCerts: [first.certPem] });
  await before.ready;

  server.updateCertificate(second.certPem, second.keyPem);
  const after = await connect(url, { caCerts: [second.certPem] });
  await after.ready;
  await assert.rejects(
    connect(url, { caCerts: [first.certPem] }).then((session) => session.ready),
    /invalid peer certificate/,
  );
  assert.equal(before.state, "open"); // the connection made with the old certificate is untouched

  before.close();
  after.close();
  await Promise.all([before.closed, after.closed]);
  server.close();
  await serving;
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the client connections finish closing
});
