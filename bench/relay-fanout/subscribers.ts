// A subscriber host of bench/relay-fanout.ts (Deno): --sessions MoQT sessions, each on its own QUIC
// connection to the relay, each subscribed to bench/data. Prints {"event":"ready", ...} once every
// session has its SUBSCRIBE_OK (or failed), records for each group received its sequence and its
// publish-to-receive delay, and on "report" on stdin prints {"event":"report", sessions: [...]}.
import type { TrackSubscriber } from "@moqkit/sdk/cache";
import type { Session } from "@moqkit/sdk/session";
import { arg, emit, errorText, fetchPem, moqSession, now, waitForCommand, withTimeout } from "./common.ts";
import type { SessionReport } from "./report.ts";

const port = Number(arg("port"));
const sessions = Number(arg("sessions"));
/** Sessions set up at once. */
const concurrency = Number(arg("concurrency", "8"));
/** Bounds every read loop. */
const maxGroups = Number(arg("max-groups", "100000"));

async function readTrack(track: TrackSubscriber, into: SessionReport): Promise<void> {
  try {
    for (let count = 0; count < maxGroups; count++) {
      const segment = await track.nextSegment();
      if (segment === undefined) return;
      try {
        const chunk = await segment.readChunk();
        const receivedAt = now();
        if (chunk !== undefined && chunk.length >= 12) {
          const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          const sequence = view.getUint32(8);
          if (sequence === segment.sequence) {
            into.seqs.push(sequence);
            into.delays.push(Math.round((receivedAt - view.getFloat64(0)) * 1000) / 1000);
          } else into.malformed++;
        } else if (chunk === undefined) into.empty++;
        else into.malformed++;
        while ((await segment.readChunk()) !== undefined) {}
      } catch {
        // This group was reset (its stream cut short): the next one may be fine.
        into.reset++;
      } finally {
        segment.close();
      }
    }
  } catch (error) {
    into.error = `read: ${errorText(error)}`;
  }
}

const started = now();
const results: SessionReport[] = Array.from({ length: sessions }, () => ({
  seqs: [],
  delays: [],
  empty: 0,
  reset: 0,
  malformed: 0,
}));
/** The sessions, held until the process exits. */
const open: Session[] = [];
let pem: string;
try {
  pem = await withTimeout(fetchPem(port), 10_000, "certificate.pem");
} catch (error) {
  await emit({ event: "error", message: errorText(error) });
  Deno.exit(1);
}

let next = 0;
async function setUpSessions(): Promise<void> {
  while (next < sessions) {
    const index = next++;
    const result = results[index] as SessionReport;
    try {
      const session = await withTimeout(moqSession(port, pem), 30_000, "a subscriber session");
      open.push(session);
      void session.closed.then((error) => {
        result.error ??= `session closed (${error.remote ? "by the relay" : "here"}): ${error.code} ${error.message}`;
      });
      const subscription = session.subscribe(["bench"], "data");
      void readTrack(subscription.track, result);
      await withTimeout(subscription.ready, 30_000, "SUBSCRIBE_OK");
    } catch (error) {
      result.error = `setup: ${errorText(error)}`;
    }
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, sessions) }, () => setUpSessions()));
await emit({
  event: "ready",
  sessions,
  failed: results.filter((result) => result.error !== undefined).length,
  setupMs: Math.round(now() - started),
});

await waitForCommand("report");
await emit({ event: "report", sessions: results });
Deno.exit(0);
