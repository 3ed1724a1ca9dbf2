// End to end in one process: the WebTransport server (`listen`) and the Deno client (`connect`) over
// real QUIC on 127.0.0.1, one connection per session. Several sessions on one connection are in
// connection.deno.test.ts.
import assert from "node:assert/strict";
import { serveCertificate } from "../certificate-endpoint.ts";
import { connect } from "./client.ts";
import { type WebTransportSession, WebTransportSessionError } from "./session.ts";
import {
  certificate,
  connectAccepted,
  encoder,
  exchangeDatagram,
  next,
  readAll,
  readText,
  settledState,
  withServer,
  withTimeout,
  writeText,
} from "./test-support.ts";

Deno.test("ready resolves on accept; the server sees the URL path, query and request headers", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const client = await withTimeout(
        connect(`${fixture.url}/room/lobby?token=a%20b&n=1`, {
          caCerts: [certificate.certPem],
          headers: { "X-Moq-Client": "tests", authorization: "Bearer xyz" },
        }),
        "connect",
      );
      clients.push(client);
      const request = await next(fixture.requests, "the session request");
      const url = new URL(request.url);
      assert.equal(url.pathname, "/room/lobby");
      assert.equal(url.search, "?token=a%20b&n=1");
      assert.equal(url.searchParams.get("token"), "a b");
      assert.equal(url.host, `127.0.0.1:${fixture.server.addr.port}`);
      assert.equal(request.headers.get("x-moq-client"), "tests");
      assert.equal(request.headers.get("authorization"), "Bearer xyz");
      assert.equal(request.headers.get("sec-webtransport-http3-draft02"), "1");
      assert.deepEqual(request.offeredProtocols, []);
      assert.equal(request.state, "pending");

      assert.equal(await settledState(client.ready), "pending", "not ready before the server answers");
      request.accept();
      await withTimeout(client.ready, "client ready");
      await withTimeout(request.ready, "server ready");
      assert.equal(client.state, "open");
      assert.equal(request.state, "open");
      assert.equal(client.protocol, "");
      assert.equal(request.protocol, "");
      assert.equal(client.id, request.id, "both ends name the session by its CONNECT stream id");
      assert.throws(() => request.accept(), WebTransportSessionError, "a request is answered once");
      await assert.rejects(client.reject(404), WebTransportSessionError, "a client session cannot be rejected");
    },
    clients,
  );
});

Deno.test("sub-protocols: the server picks one the client offered and the client sees it", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const client = await withTimeout(
        connect(fixture.url, { caCerts: [certificate.certPem], protocols: ["moq-00", "moql"] }),
        "connect",
      );
      clients.push(client);
      const request = await next(fixture.requests, "the session request");
      assert.deepEqual(request.offeredProtocols, ["moq-00", "moql"]);
      assert.equal(request.headers.get("wt-available-protocols"), '"moq-00", "moql"');
      assert.throws(() => request.accept({ protocol: "moq-01" }), TypeError, "a protocol that was not offered");
      assert.equal(request.state, "pending", "the failed accept left the request unanswered");
      request.accept({ protocol: "moql" });
      await withTimeout(client.ready, "client ready");
      assert.equal(client.protocol, "moql");
      assert.equal(request.protocol, "moql");
    },
    clients,
  );
});

Deno.test("reject(404) and reject(403): the client's ready rejects naming the status", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      for (const status of [404, 403]) {
        const client = await withTimeout(connect(`${fixture.url}/nope`, { caCerts: [certificate.certPem] }), "connect");
        clients.push(client);
        const request = await next(fixture.requests, "the session request");
        await assert.rejects(request.reject(200), RangeError, "200 is not a rejection");
        await withTimeout(request.reject(status), "reject");
        await assert.rejects(withTimeout(client.ready, "client ready"), (error: unknown) => {
          assert.ok(error instanceof WebTransportSessionError);
          assert.match(error.message, new RegExp(`\\b${status}\\b`));
          return true;
        });
        await assert.rejects(withTimeout(client.closed, "client closed"), new RegExp(`\\b${status}\\b`));
        assert.equal(client.state, "closed");
        assert.throws(() => request.accept(), WebTransportSessionError, "a rejected request cannot be accepted");
      }
    },
    clients,
  );
});

Deno.test("a request nobody answers within acceptTimeoutMs is answered 503", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    { acceptTimeoutMs: 150 },
    async (fixture) => {
      const client = await withTimeout(connect(fixture.url, { caCerts: [certificate.certPem] }), "connect");
      clients.push(client);
      const request = await next(fixture.requests, "the session request");
      const started = Date.now();
      await assert.rejects(withTimeout(client.ready, "client ready"), /\b503\b/);
      assert.ok(Date.now() - started >= 100, "not answered before the timeout");
      await assert.rejects(withTimeout(request.closed, "server closed"), /\b503\b/);
      assert.throws(() => request.accept(), WebTransportSessionError, "too late to accept");
    },
    clients,
  );
});

Deno.test("a 1 MiB bidirectional echo arrives intact, with FIN both ways", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const { client, server } = await connectAccepted(fixture, clients);
      // The server echoes the first incoming stream; pipeTo finishes its side when the client's FIN comes.
      const echoed = next(server.incomingBidirectionalStreams.getReader(), "an incoming stream").then((stream) =>
        stream.readable.pipeTo(stream.writable),
      );
      const stream = await withTimeout(client.createBidirectionalStream(), "open a stream");
      const sent = Uint8Array.from({ length: 1 << 20 }, (_, index) => (index * 2654435761) >>> 24);
      const writing = (async () => {
        const writer = stream.writable.getWriter();
        // Uneven chunks, so reads on the other side do not line up with writes.
        for (let offset = 0, size = 1; offset < sent.length; offset += size, size = (size * 7 + 13) % 40_000) {
          await writer.write(sent.subarray(offset, offset + size));
        }
        await writer.close();
      })();
      const received = await withTimeout(readAll(stream.readable), "the echo", 10_000);
      await withTimeout(writing, "the writes");
      await withTimeout(echoed, "the server's echo to finish");
      assert.equal(received.length, sent.length);
      assert.ok(
        received.every((byte, index) => byte === sent[index]),
        "every byte comes back in order",
      );
      assert.equal(server.openStreams, 0, "both halves are done on the server");
      assert.equal(client.openStreams, 0, "both halves are done on the client");
    },
    clients,
  );
});

Deno.test("unidirectional streams both ways", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const { client, server } = await connectAccepted(fixture, clients);
      await writeText(await withTimeout(client.createUnidirectionalStream(), "client uni"), "from the client");
      const atServer = await next(server.incomingUnidirectionalStreams.getReader(), "an incoming uni stream");
      assert.equal(await readText(atServer), "from the client");

      const outgoing = await withTimeout(server.createUnidirectionalStream({ sendOrder: 5 }), "server uni");
      assert.equal(outgoing.sendOrder, 5);
      await writeText(outgoing, "from the server");
      const atClient = await next(client.incomingUnidirectionalStreams.getReader(), "an incoming uni stream");
      assert.equal(await readText(atClient), "from the server");
    },
    clients,
  );
});

Deno.test("a server-initiated bidirectional stream reaches the client's session", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const { client, server } = await connectAccepted(fixture, clients);
      const answered = next(client.incomingBidirectionalStreams.getReader(), "an incoming stream").then(
        async (stream) => {
          const question = await readText(stream.readable);
          await writeText(stream.writable, `re: ${question}`);
        },
      );
      const stream = await withTimeout(server.createBidirectionalStream(), "server bidi");
      await writeText(stream.writable, "ping");
      assert.equal(await readText(stream.readable), "re: ping");
      await withTimeout(answered, "the client's answer");
    },
    clients,
  );
});

Deno.test("datagrams both ways", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const { client, server } = await connectAccepted(fixture, clients);
      assert.ok(client.datagrams.maxDatagramSize > 100, `maxDatagramSize ${client.datagrams.maxDatagramSize}`);
      const up = encoder.encode("datagram up");
      assert.deepEqual(await exchangeDatagram(client.datagrams.writable, server.datagrams.readable, up), up);
      const down = Uint8Array.from({ length: 1000 }, (_, index) => index & 0xff);
      assert.deepEqual(await exchangeDatagram(server.datagrams.writable, client.datagrams.readable, down), down);
    },
    clients,
  );
});

Deno.test("close from the client: the server's closed gets the code and reason", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const { client, server } = await connectAccepted(fixture, clients);
      client.close({ closeCode: 0xfffffffe, reason: "client done ✓" });
      assert.deepEqual(await withTimeout(server.closed, "server closed"), {
        closeCode: 0xfffffffe,
        reason: "client done ✓",
      });
      assert.deepEqual(await withTimeout(client.closed, "client closed"), {
        closeCode: 0xfffffffe,
        reason: "client done ✓",
      });
      assert.equal(server.state, "closed");
      await assert.rejects(server.createBidirectionalStream(), WebTransportSessionError);
    },
    clients,
  );
});

Deno.test("close from the server: the client's closed gets the code and reason (cut to 1024 bytes)", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const { client, server } = await connectAccepted(fixture, clients);
      assert.throws(() => server.close({ closeCode: 2 ** 32 }), RangeError);
      server.close({ closeCode: 7, reason: "é".repeat(600) });
      const info = await withTimeout(client.closed, "client closed");
      assert.equal(info.closeCode, 7);
      assert.equal(info.reason, "é".repeat(512), "1200 bytes of reason cut to 1024 on a character boundary");
      assert.equal(client.state, "closed");
    },
    clients,
  );
});

Deno.test("serverCertificateHashes: the client fetches /certificate.pem from the same port and pins it", async () => {
  const clients: WebTransportSession[] = [];
  await withServer(
    {},
    async (fixture) => {
      const { port } = fixture.server.addr;
      const endpoint = serveCertificate({ hostname: "127.0.0.1", port, current: () => certificate });
      try {
        const hash = Uint8Array.from(certificate.sha256Hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
        const wrong = hash.slice();
        wrong[0] = (wrong[0] as number) ^ 1;
        await assert.rejects(
          withTimeout(
            connect(fixture.url, { serverCertificateHashes: [{ algorithm: "sha-256", value: wrong }] }),
            "connect",
          ),
          /does not match serverCertificateHashes/,
        );
        const client = await withTimeout(
          connect(fixture.url, { serverCertificateHashes: [{ algorithm: "sha-256", value: hash.buffer }] }),
          "connect",
        );
        clients.push(client);
        const request = await next(fixture.requests, "the session request");
        request.accept();
        await withTimeout(client.ready, "client ready");
      } finally {
        await endpoint.close();
      }
    },
    clients,
  );
});
