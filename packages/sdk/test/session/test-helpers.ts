// Shared by the session's tests: two sessions over an in-process transport pair, a record of the
// control messages one side sends, and group writing and reading.
import { setImmediate } from "node:timers";
import type { SegmentSubscriber, TrackPublisher, TrackSubscriber } from "../../src/cache/index.ts";
import { createTransportPair, type MockWebTransport } from "../../src/session/mock-transport.ts";
import type { Session, SessionOptions } from "../../src/session/session.ts";
import { startClientSession, startServerSession } from "../../src/session/setup.ts";
import { type ControlMessage, concatBytes, readControlMessage, StreamReader } from "../../src/wire/index.ts";

/** Lets queued promise continuations run (a macrotask boundary; not faked by vi.useFakeTimers). */
export function flush(times = 1): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number) => setImmediate(() => (left <= 1 ? resolve() : step(left - 1)));
    step(times);
  });
}

export interface SessionPair {
  client: Session;
  server: Session;
  clientTransport: MockWebTransport;
  serverTransport: MockWebTransport;
  /** Every control message the client has sent so far, decoded. */
  clientSent(): Promise<ControlMessage[]>;
}

/** A client and a server session set up over an in-process transport pair. */
export async function sessionPair(client: SessionOptions = {}, server: SessionOptions = {}): Promise<SessionPair> {
  const [clientTransport, serverTransport] = createTransportPair();
  const clientSent = tapControl(clientTransport);
  const [clientSession, serverSession] = await Promise.all([
    startClientSession(clientTransport, client),
    startServerSession(serverTransport, server),
  ]);
  return { client: clientSession, server: serverSession, clientTransport, serverTransport, clientSent };
}

/** Records the bytes written on the transport's (first) bidirectional stream: its control stream. */
function tapControl(transport: MockWebTransport): () => Promise<ControlMessage[]> {
  const chunks: Uint8Array[] = [];
  const create = transport.createBidirectionalStream.bind(transport);
  transport.createBidirectionalStream = async () => {
    const stream = await create();
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        chunks.push(chunk.slice());
        controller.enqueue(chunk);
      },
    });
    void tap.readable.pipeTo(stream.writable).catch(() => {});
    return { readable: stream.readable, writable: tap.writable };
  };
  return async () => {
    const bytes = concatBytes(...chunks);
    const reader = new StreamReader(
      new ReadableStream({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      }),
    );
    const messages: ControlMessage[] = [];
    for (
      let message = await readControlMessage(reader);
      message !== undefined;
      message = await readControlMessage(reader)
    )
      messages.push(message);
    return messages;
  };
}

/** Deterministic bytes for object `object` of group `group`. */
export function payload(group: number, object: number, size = 16): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (group * 31 + object * 7 + i) & 0xff;
  return bytes;
}

/** Where two lists of objects first differ ("" when they are the same): cheap on large objects. */
export function firstDifference(actual: Uint8Array[] | undefined, expected: Uint8Array[]): string {
  if (actual === undefined) return "missing";
  if (actual.length !== expected.length) return `${actual.length} objects, not ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as Uint8Array;
    const b = expected[i] as Uint8Array;
    if (a.length !== b.length) return `object ${i}: ${a.length} bytes, not ${b.length}`;
    for (let j = 0; j < b.length; j++) if (a[j] !== b[j]) return `object ${i}: byte ${j} differs`;
  }
  return "";
}

export function writeGroup(publisher: TrackPublisher, group: number, objects: Uint8Array[]): void {
  const segment = publisher.createSegment({ sequence: group, priority: 1 });
  for (const object of objects) segment.writeChunk(object);
  segment.close();
}

export async function readSegment(segment: SegmentSubscriber): Promise<Uint8Array[]> {
  const objects: Uint8Array[] = [];
  for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk())
    objects.push(chunk);
  segment.close();
  return objects;
}

/** Reads up to `maxGroups` whole groups (or until the track ends): group ID → object payloads. */
export async function readGroups(track: TrackSubscriber, maxGroups: number): Promise<Map<number, Uint8Array[]>> {
  const groups = new Map<number, Uint8Array[]>();
  while (groups.size < maxGroups) {
    const segment = await track.nextSegment();
    if (segment === undefined) break;
    groups.set(segment.sequence, await readSegment(segment));
  }
  return groups;
}
