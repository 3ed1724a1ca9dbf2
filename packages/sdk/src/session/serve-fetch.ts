// The publisher side of a FETCH: the cached groups in the range, in group order, on one stream.
import type { SegmentSubscriber } from "../cache/index.ts";
import {
  encodeFetchHeader,
  encodeFetchObjectHeader,
  type FetchErrorCode,
  type Location,
  StreamResetCode,
} from "../wire/index.ts";
import { sendOrder, toPublisherPriority } from "./priority.ts";
import type { SendRateLimit } from "./send-rate.ts";
import { largestLocation, type ServedTrack } from "./served-track.ts";
import { DataStreamWriter } from "./stream-writer.ts";
import type { TransportSendStream } from "./transport.ts";

/** A resolved fetch range: `end` is exclusive in objects, and `end.object === 0` means all of `end.group`. */
export interface FetchRange {
  start: Location;
  end: Location;
}

export type FetchPlan =
  | {
      ok: true;
      segments: SegmentSubscriber[];
      /** How many chunks of each group exist now: a fetch never waits for more. */
      chunkCounts: Map<number, number>;
      range: FetchRange;
      end: Location;
      groupOrder: 1 | 2;
    }
  | { ok: false; code: (typeof FetchErrorCode)[keyof typeof FetchErrorCode]; reason: string };

/**
 * Picks the cached segments in the range and how many objects of each to send (what exists now:
 * a fetch never waits for objects not yet published).
 */
export function planFetch(served: ServedTrack, range: FetchRange, requestedOrder: 0 | 1 | 2): FetchPlan {
  const largest = largestLocation(served.track);
  if (largest === undefined) return { ok: false, code: 0x5, reason: "the track has no objects yet" };
  if (compare(range.start, largest) > 0) return { ok: false, code: 0x5, reason: "start is beyond the largest object" };
  const wholeLastGroup = range.end.object === 0;
  if (range.end.group < range.start.group || (!wholeLastGroup && compare(range.end, range.start) <= 0)) {
    return { ok: false, code: 0x5, reason: "end is before start" };
  }
  // Walk what the cache holds (bounded by the cache), not the requested range (bounded by nothing).
  const reader = served.track.clone();
  const segments: SegmentSubscriber[] = [];
  const chunkCounts = new Map<number, number>();
  try {
    for (let segment = reader.tryNextSegment(); segment !== undefined; segment = reader.tryNextSegment()) {
      const group = segment.sequence;
      const first = group === range.start.group ? range.start.object : 0;
      const newest = segment.lastWrittenId;
      // Object IDs (not indexes) bound the range; a group whose newest object is before the start is out.
      if (group < range.start.group || group > range.end.group || newest === undefined || newest < first) {
        segment.close();
        continue;
      }
      if (group === range.end.group && !wholeLastGroup && (segment.chunkIdAt(0) ?? 0) >= range.end.object) {
        segment.close();
        continue;
      }
      segments.push(segment);
      chunkCounts.set(group, segment.chunkCount);
    }
  } finally {
    reader.close();
  }
  if (segments.length === 0) return { ok: false, code: 0x6, reason: "no objects in the range" };
  const groupOrder = requestedOrder === 0 ? (served.groupOrder ?? 1) : requestedOrder;
  segments.sort((a, b) => (groupOrder === 1 ? a.sequence - b.sequence : b.sequence - a.sequence));
  const beyondLargest =
    compare(range.end, { group: largest.group, object: largest.object + 1 }) > 0 ||
    (wholeLastGroup && range.end.group >= largest.group);
  const end = beyondLargest ? { group: largest.group, object: largest.object + 1 } : range.end;
  return { ok: true, segments, chunkCounts, range, end, groupOrder };
}

/** Writes the planned objects on a new stream, then FIN; `cancel()` (FETCH_CANCEL) resets it. */
export class FetchSender {
  readonly #plan: Extract<FetchPlan, { ok: true }>;
  readonly #requestId: number;
  #cancelled = false;
  /** Only with a send rate cap: stops a wait for tokens on FETCH_CANCEL. */
  #abort: AbortController | undefined;
  #writer: DataStreamWriter | undefined;

  constructor(requestId: number, plan: Extract<FetchPlan, { ok: true }>) {
    this.#requestId = requestId;
    this.#plan = plan;
  }

  /** @param limit the session's send rate cap (a test option), taken before each object */
  async run(
    open: (order: number) => Promise<TransportSendStream>,
    subscriberPriority: number,
    limit?: SendRateLimit,
  ): Promise<void> {
    const { segments, chunkCounts, range } = this.#plan;
    if (limit !== undefined) this.#abort = new AbortController();
    try {
      const first = segments[0];
      const order = sendOrder(subscriberPriority, toPublisherPriority(first?.priority ?? 0), 1, 0);
      const stream = await open(order);
      const writer = new DataStreamWriter(stream);
      this.#writer = writer;
      await writer.write(encodeFetchHeader(this.#requestId));
      for (const segment of segments) {
        const group = segment.sequence;
        const count = chunkCounts.get(group) ?? 0;
        const firstObject = group === range.start.group ? range.start.object : 0;
        const endObject =
          group === range.end.group && range.end.object !== 0 ? range.end.object : Number.POSITIVE_INFINITY;
        const publisherPriority = toPublisherPriority(segment.priority);
        for (let index = 0; index < count; index++) {
          const chunk = await segment.readChunk();
          if (chunk === undefined || this.#cancelled) break;
          const objectId = segment.chunkId;
          if (objectId < firstObject) continue;
          if (objectId >= endObject) break;
          const header = encodeFetchObjectHeader({
            groupId: group,
            subgroupId: 0,
            objectId,
            publisherPriority,
            payloadLength: chunk.length,
            extensions: segment.chunkHeader,
          });
          const wait = limit?.take(header.length + chunk.length, order, this.#abort?.signal);
          if (wait !== undefined && !(await wait)) break;
          await writer.write(header, chunk);
        }
        if (this.#cancelled) break;
      }
      if (this.#cancelled) throw new Error("cancelled");
      await writer.finish();
    } catch {
      await this.#writer?.cut(StreamResetCode.CANCELLED);
    } finally {
      for (const segment of segments) segment.close();
    }
  }

  cancel(): void {
    this.#cancelled = true;
    this.#abort?.abort();
    for (const segment of this.#plan.segments) segment.close();
  }
}

function compare(a: Location, b: Location): number {
  return a.group === b.group ? a.object - b.object : a.group - b.group;
}
