// The peer's streams and datagrams: each data stream goes, by its header, to the fetch or (by track
// alias) the subscription it feeds; each OBJECT_DATAGRAM to its subscription. A second
// bidirectional stream is refused: draft-14 has only the control stream.
import {
  decodeObjectDatagram,
  ProtocolViolation,
  type ReadBudget,
  readDataStreamHeader,
  SessionErrorCode,
  StreamEndedEarly,
  StreamReader,
  type WireLimits,
} from "../wire/index.ts";
import type { TrackAliases } from "./aliases.ts";
import type { ReceivedFetch, ReceivedSubscription } from "./receive.ts";
import type { MoqTransport } from "./transport.ts";

/** How long a data stream waits for the SUBSCRIBE_OK that names its track alias. */
const ALIAS_WAIT_MS = 2_000;

/** Where incoming data goes (the subscriber side), and what to do about a violation. */
export interface DataRoutes {
  readonly limits: WireLimits;
  /** Bounds the bytes of objects still arriving; a refusal ends the session (ReceiveLimitExceeded). */
  readonly budget?: ReadBudget;
  readonly isClosed: boolean;
  readonly aliases: TrackAliases<ReceivedSubscription>;
  fetch(requestId: number): ReceivedFetch | undefined;
  /** A protocol violation (or failure) in the peer's data: the session closes. */
  violation(error: unknown): void;
  /** Closes the session with a termination code and reason. */
  fail(code: number, reason: string): void;
}

/** Reads the transport's incoming streams and datagrams until it closes. */
export function receiveFromPeer(transport: MoqTransport, routes: DataRoutes): void {
  void acceptDataStreams(transport.incomingUnidirectionalStreams, routes);
  void receiveDatagrams(transport.datagrams?.readable, routes);
  void refuseBidirectionalStreams(transport.incomingBidirectionalStreams, routes);
}

async function acceptDataStreams(
  streams: ReadableStream<ReadableStream<Uint8Array>>,
  routes: DataRoutes,
): Promise<void> {
  const reader = streams.getReader();
  try {
    for (;;) {
      const { value: stream, done } = await reader.read();
      if (done || routes.isClosed) return;
      void receiveDataStream(stream, routes).catch((error: unknown) => routes.violation(error));
    }
  } catch {
    // The transport closed; the session's end handles it.
  } finally {
    reader.releaseLock();
  }
}

async function receiveDataStream(stream: ReadableStream<Uint8Array>, routes: DataRoutes): Promise<void> {
  const reader = new StreamReader(stream, routes.budget);
  try {
    await routeDataStream(reader, routes);
  } finally {
    // Whatever the stream still held goes back to the budget (a no-op once read to its end).
    await reader.cancel().catch(() => {});
  }
}

async function routeDataStream(reader: StreamReader, routes: DataRoutes): Promise<void> {
  let header: Awaited<ReturnType<typeof readDataStreamHeader>>;
  try {
    header = await readDataStreamHeader(reader, routes.limits);
  } catch (error) {
    // Reset, or ended (FIN) before its header, as a Deno peer's cut looks: nothing to account for.
    if (error instanceof ProtocolViolation && !(error instanceof StreamEndedEarly)) throw error;
    return;
  }
  if (header.kind === "fetch") {
    const fetch = routes.fetch(header.header.requestId);
    if (fetch === undefined) await reader.cancel().catch(() => {});
    else await fetch.receive(reader);
    return;
  }
  // Data can overtake the SUBSCRIBE_OK that names its alias: wait a little for it.
  const subscription = await routes.aliases.wait(header.header.trackAlias, ALIAS_WAIT_MS);
  if (subscription === undefined) await reader.cancel().catch(() => {});
  else await subscription.receive(header.header, reader);
}

/** OBJECT_DATAGRAMs: decoded (a bad one is a protocol violation) and given to their subscription. */
async function receiveDatagrams(readable: ReadableStream<Uint8Array> | undefined, routes: DataRoutes): Promise<void> {
  if (readable === undefined) return;
  const reader = readable.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || routes.isClosed) return;
      const datagram = decodeObjectDatagram(value, routes.limits);
      // An unknown alias (not subscribed, or no longer): dropped, as the draft allows.
      routes.aliases.get(datagram.trackAlias)?.receiveDatagram(datagram);
    }
  } catch (error) {
    if (error instanceof ProtocolViolation) routes.violation(error);
  } finally {
    reader.releaseLock();
  }
}

async function refuseBidirectionalStreams(
  streams: ReadableStream<unknown>,
  routes: Pick<DataRoutes, "isClosed" | "fail">,
): Promise<void> {
  const reader = streams.getReader();
  try {
    const { done } = await reader.read();
    if (!done && !routes.isClosed) routes.fail(SessionErrorCode.PROTOCOL_VIOLATION, "a second bidirectional stream");
  } catch {
    // The transport closed.
  } finally {
    reader.releaseLock();
  }
}
