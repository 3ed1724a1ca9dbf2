// Whole sessions of mutated but well-framed MoQT traffic against a live relay (part of pnpm fuzz).
// Each session focuses on one decoder (sessions cycle through them): a valid CLIENT_SETUP, then
//  - control decoders: 1..32 messages of that type, each with its exact type and 16-bit length and
//    a mutated body (random varints, cut or extended fields, random names, bad enum values, huge
//    lengths inside; one in sixteen unchanged), written at once;
//  - subgroup / datagram decoders: a valid PUBLISH (track alias 1, so the relay routes what follows
//    and reads its objects), then 1..8 data streams or datagrams of that type, mostly for alias 1 with
//    mutated objects, some with the whole header mutated;
//  - the fetch decoder: 1..8 FETCH_HEADER streams with mutated objects (no fetch is pending: the
//    relay reads the header and cancels the stream).
// Then it waits up to `linger` ms for the relay to close the session and records the close code.
// `concurrency` sessions run at once until the duration is up (or `maxSessions` were opened).
// Counts are of cases sent: a session the relay closed at its first bad message did not decode the rest.
//
// Run alone: deno run --unstable-net --allow-all packages/relay/stress/session-fuzz.ts --port N
//   [--duration-ms N] [--concurrency N] [--seed N] [--max-sessions N]
import { concatBytes, encodeControlMessage } from "@moqkit/sdk/wire";
import { RAW_CLIENT_SETUP } from "../src/moq/test-client.ts";
import { withTimeout } from "../src/relay-process.ts";
import { connect } from "../src/webtransport/client.ts";
import { ALL_DECODERS, CaseFactory, type Decoder, flag, framed } from "./cases.ts";

export interface SessionFuzzReport {
  sessionsOpened: number;
  /** Sessions whose connection or handshake failed, or whose run threw or timed out (see firstErrors). */
  sessionsFailed: number;
  /** Sessions the relay closed, by WebTransport close code (the MoQT session error code). */
  closedByCode: Record<string, number>;
  /** Sessions the relay closed with a protocol error (any non-zero code). */
  closedByProtocolError: number;
  /** Sessions still open after the linger time (waiting for bytes that never come); we closed them. */
  leftOpen: number;
  /** Cases sent, per decoder. */
  cases: Record<string, number>;
  totalCases: number;
  elapsedMs: number;
  firstErrors: string[];
}

const PUBLISH_ALIAS = 1;

function publishMessage(index: number): Uint8Array {
  return encodeControlMessage({
    kind: "publish",
    requestId: 0,
    namespace: [new TextEncoder().encode("fuzz"), new TextEncoder().encode(`s${index}`)],
    trackName: new TextEncoder().encode("t"),
    trackAlias: PUBLISH_ALIAS,
    groupOrder: 1,
    largest: undefined,
    forward: true,
    parameters: [],
  });
}

interface Options {
  port: number;
  pem: string;
  durationMs: number;
  concurrency: number;
  seed: number;
  maxSessions: number;
  /** How long a session waits for the relay to close it (ms). */
  lingerMs: number;
}

async function runSession(
  options: Options,
  factory: CaseFactory,
  decoder: Decoder,
  index: number,
  report: SessionFuzzReport,
): Promise<void> {
  const transport = await withTimeout(
    connect(`https://127.0.0.1:${options.port}/moq`, { caCerts: [options.pem] }).then(async (session) => {
      await session.ready;
      return session;
    }),
    5_000,
    "a fuzz session",
  );
  report.sessionsOpened++;
  const closed = transport.closed.then(
    (info) => info.closeCode ?? 0,
    () => -1,
  );
  try {
    const control = await transport.createBidirectionalStream();
    const writer = control.writable.getWriter();
    // The relay's replies are read and dropped, so its control stream never backs up.
    void control.readable.pipeTo(new WritableStream()).catch(() => {});
    const seedBase = (options.seed * 1_000_003 + index * 131) | 0;
    const pick = (n: number) => (Math.abs(seedBase) % n) + 1;
    if (decoder.kind === "control") {
      const count = pick(32);
      const parts = [RAW_CLIENT_SETUP];
      for (let i = 0; i < count; i++) parts.push(framed(decoder.type, factory.case(decoder, seedBase + i)));
      await writer.write(concatBytes(...parts)).catch(() => {});
      report.cases[decoder.name] = (report.cases[decoder.name] ?? 0) + count;
      report.totalCases += count;
    } else {
      const routed = decoder.kind !== "fetch";
      await writer
        .write(routed ? concatBytes(RAW_CLIENT_SETUP, publishMessage(index)) : RAW_CLIENT_SETUP)
        .catch(() => {});
      const count = pick(8);
      let sent = 0;
      for (let i = 0; i < count; i++) {
        const seed = seedBase + i;
        const bytes =
          routed && i % 4 !== 3 ? factory.routedCase(decoder, seed, PUBLISH_ALIAS) : factory.case(decoder, seed);
        if (decoder.kind === "datagram") {
          const datagrams = transport.datagrams.writable.getWriter();
          await datagrams.write(bytes).catch(() => {});
          datagrams.releaseLock();
        } else {
          const stream = await transport.createUnidirectionalStream().catch(() => undefined);
          if (stream === undefined) break;
          const uni = stream.getWriter();
          await uni.write(bytes).catch(() => {});
          await uni.close().catch(() => {});
        }
        sent++;
      }
      report.cases[decoder.name] = (report.cases[decoder.name] ?? 0) + sent;
      report.totalCases += sent;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      closed,
      new Promise<"open">((resolve) => {
        timer = setTimeout(() => resolve("open"), options.lingerMs);
      }),
    ]);
    clearTimeout(timer);
    if (code === "open") report.leftOpen++;
    else {
      report.closedByCode[String(code)] = (report.closedByCode[String(code)] ?? 0) + 1;
      if (code > 0) report.closedByProtocolError++;
    }
  } finally {
    transport.close();
  }
}

export async function runSessionFuzz(options: Options): Promise<SessionFuzzReport> {
  const factory = new CaseFactory(options.seed);
  const report: SessionFuzzReport = {
    sessionsOpened: 0,
    sessionsFailed: 0,
    closedByCode: {},
    closedByProtocolError: 0,
    leftOpen: 0,
    cases: Object.fromEntries(ALL_DECODERS.map((d) => [d.name, 0])),
    totalCases: 0,
    elapsedMs: 0,
    firstErrors: [],
  };
  const start = performance.now();
  const deadline = start + options.durationMs;
  let nextIndex = 0;
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const lane = async () => {
    // Bounded by the deadline and by maxSessions across lanes.
    while (performance.now() < deadline && nextIndex < options.maxSessions) {
      const index = nextIndex++;
      const decoder = ALL_DECODERS[index % ALL_DECODERS.length] as Decoder;
      try {
        await withTimeout(runSession(options, factory, decoder, index, report), 15_000, "a fuzz session's run");
      } catch (error) {
        report.sessionsFailed++;
        if (report.firstErrors.length < 10) report.firstErrors.push(`${decoder.name}: ${String(error)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, lane));
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  report.elapsedMs = Math.round(performance.now() - start);
  return report;
}

if (import.meta.main) {
  const port = flag("port");
  const response = await fetch(`http://127.0.0.1:${port}/certificate.pem`, { signal: AbortSignal.timeout(5_000) });
  const pem = await response.text();
  const report = await runSessionFuzz({
    port,
    pem,
    durationMs: flag("duration-ms", 60_000),
    concurrency: flag("concurrency", 16),
    seed: flag("seed", 1),
    maxSessions: flag("max-sessions", 1_000_000),
    lingerMs: flag("linger-ms", 300),
  });
  console.log(JSON.stringify(report));
  // The QUIC endpoint may hold the process open a little: leave now.
  Deno.exit(0);
}
