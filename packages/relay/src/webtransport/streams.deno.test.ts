// What Deno's QUIC API (quinn underneath) does when a stream half is aborted or cancelled, and what
// that means for the WebTransport streams built on it. Deno 2.x has no RESET_STREAM at all: aborting
// a QuicSendStream drops it, and quinn finishes a dropped stream (FIN); cancelling a
// QuicReceiveStream drops it, and quinn stops a dropped stream with STOP_SENDING code 0, whatever
// reason was given. So a peer cannot tell an aborted stream from a finished one, and stream error
// codes never cross (WebTransportStreamError.streamErrorCode stays null).
import assert from "node:assert/strict";
import { WebTransportStreamError } from "./streams.ts";
import {
  certificate,
  connectAccepted,
  delay,
  encoder,
  next,
  readAll,
  withServer,
  withTimeout,
} from "./test-support.ts";

/** A raw QUIC server and client connected to each other; all closed after `body`. */
async function withQuicPair(body: (client: Deno.QuicConn, server: Deno.QuicConn) => Promise<void>): Promise<void> {
  const endpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = endpoint.listen({ cert: certificate.certPem, key: certificate.keyPem, alpnProtocols: ["h3"] });
  try {
    const accepted = listener.accept();
    const client = await withTimeout(
      Deno.connectQuic<false>({
        hostname: "127.0.0.1",
        port: endpoint.addr.port,
        alpnProtocols: ["h3"],
        caCerts: [certificate.certPem],
      }),
      "QUIC connect",
    );
    const server = await withTimeout(accepted, "QUIC accept");
    try {
      await body(client, server);
    } finally {
      client.close({ closeCode: 0, reason: "" });
      await withTimeout(server.closed, "the server side to see the close").catch(() => {});
    }
  } finally {
    listener.stop();
    endpoint.close();
  }
}

/** Opens a client bidi stream with `first` written, and takes it on the server. */
async function openPair(
  client: Deno.QuicConn,
  server: Deno.QuicConn,
  first: Uint8Array,
): Promise<{ atClient: Deno.QuicBidirectionalStream; atServer: Deno.QuicBidirectionalStream }> {
  const atClient = await withTimeout(client.createBidirectionalStream(), "open a stream");
  const writer = atClient.writable.getWriter();
  await withTimeout(writer.write(first), "write");
  writer.releaseLock();
  const incoming = server.incomingBidirectionalStreams.getReader();
  const atServer = await next(incoming, "the stream at the server");
  incoming.releaseLock();
  return { atClient, atServer };
}

/** Writes until a write fails (the peer's STOP_SENDING has arrived); returns that error. */
async function writeUntilRefused(writable: WritableStream<Uint8Array>): Promise<unknown> {
  const writer = writable.getWriter();
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await withTimeout(writer.write(new Uint8Array(100)), "a write");
    } catch (error) {
      return error;
    }
    await delay(5);
  }
  throw new Error("writes kept succeeding after the peer cancelled");
}

Deno.test("Deno QUIC: aborting a send stream delivers everything written, then a clean FIN (no RESET_STREAM)", async () => {
  await withQuicPair(async (client, server) => {
    for (const reason of [undefined, 42, new Error("abort!")]) {
      const sent = Uint8Array.from({ length: 256 * 1024 }, (_, index) => index % 251);
      const { atClient, atServer } = await openPair(client, server, sent.subarray(0, 1));
      const writer = atClient.writable.getWriter();
      await withTimeout(writer.write(sent.subarray(1)), "write");
      await withTimeout(writer.abort(reason), "abort");
      // A RESET_STREAM would make this read reject (quinn's ReadError::Reset) and lose unsent data.
      const received = await withTimeout(readAll(atServer.readable), "the server's reads");
      assert.equal(received.length, sent.length, `abort(${String(reason)}): all bytes arrive`);
      assert.deepEqual(received, sent);
    }
  });
});

Deno.test("Deno QUIC: cancelling a receive stream sends STOP_SENDING with code 0, whatever the reason", async () => {
  await withQuicPair(async (client, server) => {
    for (const reason of [undefined, 7, 0x3994bd84]) {
      const { atClient, atServer } = await openPair(client, server, Uint8Array.of(1));
      await withTimeout(atServer.readable.cancel(reason), "cancel");
      const error = await writeUntilRefused(atClient.writable);
      assert.ok(error instanceof Error);
      assert.equal(error.name, "ConnectionReset");
      assert.match(error.message, /sending stopped by peer: error 0$/, `cancel(${String(reason)})`);
    }
  });
});

Deno.test("WebTransport streams over Deno QUIC: abort looks like close to the peer; cancel fails the peer's writes", async () => {
  const clients: Awaited<ReturnType<typeof connectAccepted>>["client"][] = [];
  await withServer(
    {},
    async (fixture) => {
      const { client, server } = await connectAccepted(fixture, clients);
      const incoming = server.incomingBidirectionalStreams.getReader();

      // abort(): the peer reads what was written and then a normal end of stream.
      const aborted = await withTimeout(client.createBidirectionalStream(), "open a stream");
      const writer = aborted.writable.getWriter();
      await withTimeout(writer.write(encoder.encode("partial")), "write");
      await withTimeout(writer.abort(new Error("changed my mind")), "abort");
      const atServer = await next(incoming, "the aborted stream");
      assert.equal(new TextDecoder().decode(await withTimeout(readAll(atServer.readable), "read")), "partial");

      // cancel(): the peer's next writes fail with a stream error that carries no code.
      const cancelled = await withTimeout(client.createBidirectionalStream(), "open a stream");
      const opener = cancelled.writable.getWriter();
      await withTimeout(opener.write(Uint8Array.of(0)), "write");
      opener.releaseLock();
      const other = await next(incoming, "the cancelled stream");
      await withTimeout(cancelled.readable.cancel(99), "cancel");
      const error = await writeUntilRefused(other.writable);
      assert.ok(error instanceof WebTransportStreamError, String(error));
      assert.equal(error.source, "stream");
      assert.equal(error.streamErrorCode, null, "Deno does not report the peer's code");
      assert.match(error.message, /stopped by peer/);
      incoming.releaseLock();
    },
    clients,
  );
});
