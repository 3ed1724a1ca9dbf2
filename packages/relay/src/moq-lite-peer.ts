// A MoQT draft-14 server made of @moq/lite 0.2.2 (an independent implementation) on our WebTransport
// layer, for the interop tests (e2e/moq-interop.spec.ts). Prints one line once ready:
//   moq-lite peer listening https://HOST:PORT certificate-sha256=HEX
// For each session at /?id=ID it publishes broadcast lite-ID (track "video") and, once asked for that
// track, subscribes to moqkit-ID's "video" track. When the first frame from moqkit arrives, it writes
// its own 5 groups. Each of moqkit's groups, once complete, is printed as
//   peer group id=ID sequence=N {"groups":[{"sequence":N,"lengths":[...],"sha256":[...]}],"mismatches":[...]}
// (or `peer failed id=ID reason`); a data stream @moq/lite abandons (STOP_SENDING) is printed as
// `peer stopped a data stream id=ID reason`. The data is e2e/fixtures/moq-interop/frames.ts.
//
// Run: deno run --unstable-net --allow-net --allow-read packages/relay/src/moq-lite-peer.ts [--port N]
import * as Moq from "@moq/lite";
import { FRAMES, frameBytes, GROUPS, report } from "../../../e2e/fixtures/moq-interop/frames.ts";
import { generateCertificate } from "./webtransport/certificate.ts";
import { listen, type WebTransportSession } from "./webtransport/index.ts";

const DRAFT_14 = 0xff00000e;
const WAIT_MS = 10_000;

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The session as @moq/lite sees it, except that a data stream @moq/lite stops for a reason other than
 * having read it (its own "cancel" after each group) is printed: `peer stopped a data stream id=ID reason`.
 */
function traced(session: WebTransportSession, id: string): WebTransport {
  const incoming = session.incomingUnidirectionalStreams.pipeThrough(
    new TransformStream<ReadableStream<Uint8Array>, ReadableStream<Uint8Array>>({
      transform(stream, controller) {
        const reader = stream.getReader();
        controller.enqueue(
          new ReadableStream<Uint8Array>({
            async pull(out) {
              const next = await reader.read();
              if (next.done) out.close();
              else out.enqueue(next.value);
            },
            async cancel(reason) {
              if (!(reason instanceof Error && reason.message === "cancel"))
                console.log(`peer stopped a data stream id=${id} ${describeError(reason)}`);
              await reader.cancel(reason);
            },
          }),
        );
      },
    }),
  );
  return new Proxy(session, {
    get(target, property) {
      if (property === "incomingUnidirectionalStreams") return incoming;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as unknown as WebTransport;
}

async function serve(session: WebTransportSession): Promise<void> {
  const url = new URL(session.url);
  const id = url.searchParams.get("id") ?? "";
  session.accept();
  let connection: Moq.Connection.Established | undefined;
  try {
    // Our WebTransportSession has the members @moq/lite uses: protocol, the incoming stream
    // readables, createUnidirectionalStream, closed and close.
    connection = await timeout(
      Moq.Connection.accept(traced(session, id), url, { version: DRAFT_14 }),
      WAIT_MS,
      "SETUP",
    );
    console.log(`peer session id=${id} version=${connection.version}`);
    const ours = new Moq.Broadcast();
    connection.publish(Moq.Path.from(`lite-${id}`), ours);
    const request = await timeout(ours.requested(), WAIT_MS, "a track request");
    if (request === undefined) throw new Error("our broadcast closed before any request");
    console.log(`peer request id=${id} track=${request.track.name} priority=${request.priority}`);
    if (request.track.name !== "video") throw new Error(`asked for track ${request.track.name}`);

    // moqkit subscribed to our track after its broadcast was ready: subscribe to that now.
    const seed = `moqkit-${id}`;
    const theirs = connection.consume(Moq.Path.from(seed)).subscribe("video", 0);
    let writing = false;
    const reads: Promise<void>[] = [];
    const ended = connection.closed.then(() => undefined);
    for (;;) {
      // Until moqkit ends the track or the session (bounded: the spec stops us anyway).
      const group = await timeout(Promise.race([theirs.recvGroup(), ended]), 3 * WAIT_MS, "moqkit's next group");
      if (group === undefined) break;
      reads.push(
        (async () => {
          const frames: Uint8Array[] = [];
          for (let frame = await group.readFrame(); frame !== undefined; frame = await group.readFrame()) {
            frames.push(frame);
            if (writing) continue;
            // moqkit's groups reach us: now write ours (moqkit then writes its last groups).
            writing = true;
            for (let g = 0; g < GROUPS; g++) {
              const out = request.track.appendGroup();
              for (let f = 0; f < FRAMES; f++) out.writeFrame(frameBytes(`lite-${id}`, out.sequence, f));
              out.close();
            }
          }
          const summary = await report(seed, new Map([[group.sequence, frames]]));
          console.log(`peer group id=${id} sequence=${group.sequence} ${JSON.stringify(summary)}`);
        })(),
      );
    }
    await timeout(Promise.race([Promise.all(reads), ended]), WAIT_MS, "moqkit's last frames");
    console.log(`peer done id=${id}`);
  } catch (error) {
    console.log(`peer failed id=${id} ${describeError(error)}`);
  } finally {
    connection?.close();
  }
}

function port(args: string[]): number {
  const index = args.indexOf("--port");
  if (index < 0) return 0;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error("--port needs an integer in 0..65535");
  return value;
}

const certificate = await generateCertificate();
const server = listen({
  hostname: "127.0.0.1",
  port: port(Deno.args),
  cert: certificate.certPem,
  key: certificate.keyPem,
  log: (line) => console.log(line),
});
console.log(
  `moq-lite peer listening https://127.0.0.1:${server.addr.port} certificate-sha256=${certificate.sha256Hex}`,
);
const stop = () => {
  server.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
for await (const session of server) void serve(session);
