// Property tests: random interleavings of inserts, clones, closes, expiries and reads, checked
// against a simple reference model of rules 2 to 5, with and without the keepLatest option.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flush, type Settlement, watch } from "../../test/cache/test-helpers.ts";
import { CacheError } from "./error.ts";
import { createTrack, type TrackPublisher, type TrackSubscriber } from "./track.ts";

type Op =
  | { kind: "insert"; publisher: number; sequence: number; priority: number; expiresMs: number | undefined }
  | { kind: "clonePublisher"; publisher: number }
  | { kind: "closePublisher"; publisher: number; withError: boolean }
  | { kind: "cloneSubscriber"; subscriber: number }
  | { kind: "closeSubscriber"; subscriber: number }
  | { kind: "read"; subscriber: number }
  | { kind: "advance"; ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("insert" as const),
      publisher: fc.nat(3),
      sequence: fc.nat(12),
      priority: fc.integer({ min: -1, max: 2 }),
      // At least 1 ms: a deadline is never already due at insertion, so the model needs no timer slack.
      expiresMs: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clonePublisher" as const), publisher: fc.nat(3) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("closePublisher" as const),
      publisher: fc.nat(3),
      withError: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cloneSubscriber" as const), subscriber: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("closeSubscriber" as const), subscriber: fc.nat(3) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("read" as const), subscriber: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 30 }) }) },
);

interface ModelSegment {
  sequence: number;
  priority: number;
  deadline: number;
  expired: boolean;
}

interface ModelSubscriber {
  handle: TrackSubscriber;
  open: boolean;
  /** Segments this subscriber may still be given. */
  unread: Set<ModelSegment>;
  waiting: { readonly current: Settlement<unknown> } | undefined;
}

/** The reference model: plain sets and linear scans, no heaps, no pruning tricks. */
class Model {
  time = 0;
  /** TrackOptions.keepLatest: the segment with the highest sequence ever inserted does not expire. */
  readonly keepLatest: boolean;
  latest: number | undefined;
  /** Insertion order; leading expired entries are pruned. */
  slots: ModelSegment[] = [];
  end: "open" | "closed" | CacheError = "open";
  openPublishers = 1;
  openSubscribers = 1;

  constructor(keepLatest: boolean) {
    this.keepLatest = keepLatest;
  }

  holds(sequence: number): boolean {
    return this.slots.some((slot) => slot.sequence === sequence);
  }

  best(subscriber: ModelSubscriber): ModelSegment | undefined {
    let best: ModelSegment | undefined;
    for (const segment of subscriber.unread) {
      if (segment.expired) continue;
      if (
        best === undefined ||
        segment.priority < best.priority ||
        (segment.priority === best.priority && segment.sequence > best.sequence)
      ) {
        best = segment;
      }
    }
    return best;
  }

  advance(ms: number): void {
    this.time += ms;
    for (const slot of this.slots) {
      if (this.keepLatest && slot.sequence === this.latest) continue;
      if (slot.deadline <= this.time) slot.expired = true;
    }
    while (this.slots[0]?.expired) this.slots.shift();
  }

  closeTrack(end: "closed" | CacheError): void {
    if (this.end === "open") this.end = end;
  }
}

/** Checks a settled read against the model and updates the model; returns false while still pending. */
function checkSettled(model: Model, subscriber: ModelSubscriber, settlement: Settlement<unknown>): boolean {
  const best = model.best(subscriber);
  if (settlement.state === "pending") {
    // Still waiting is right only while there is nothing to give and the track is open.
    expect(subscriber.open && best === undefined && model.end === "open").toBe(true);
    return false;
  }
  if (settlement.state === "rejected") {
    expect(best).toBeUndefined();
    expect(settlement.reason).toBe(model.end);
    return true;
  }
  const value = settlement.value as { sequence: number; close(): void } | undefined;
  if (value === undefined) {
    expect(best === undefined && (model.end === "closed" || !subscriber.open)).toBe(true);
    return true;
  }
  expect(value.sequence).toBe(best?.sequence);
  subscriber.unread.delete(best as ModelSegment);
  value.close();
  return true;
}

async function run(ops: Op[], keepLatest: boolean): Promise<void> {
  const [firstPublisher, firstSubscriber] = createTrack("property", { keepLatest });
  const publishers: Array<{ handle: TrackPublisher; open: boolean }> = [{ handle: firstPublisher, open: true }];
  const subscribers: ModelSubscriber[] = [
    { handle: firstSubscriber, open: true, unread: new Set(), waiting: undefined },
  ];
  const model = new Model(keepLatest);
  const expectClosed = (action: () => unknown) => expect(action).toThrow(expect.objectContaining({ code: "closed" }));

  for (const op of ops) {
    switch (op.kind) {
      case "insert": {
        const publisher = publishers[op.publisher % publishers.length] as (typeof publishers)[number];
        const info = { sequence: op.sequence, priority: op.priority, expiresMs: op.expiresMs };
        if (!publisher.open || model.end !== "open" || model.openSubscribers === 0) {
          expectClosed(() => publisher.handle.createSegment(info));
        } else if (model.holds(op.sequence)) {
          expect(() => publisher.handle.createSegment(info)).toThrow(expect.objectContaining({ code: "duplicate" }));
        } else {
          publisher.handle.createSegment(info).close();
          const segment: ModelSegment = {
            sequence: op.sequence,
            priority: op.priority,
            deadline: op.expiresMs === undefined ? Number.POSITIVE_INFINITY : model.time + op.expiresMs,
            expired: false,
          };
          model.slots.push(segment);
          if (model.latest === undefined || op.sequence > model.latest) model.latest = op.sequence;
          // With keepLatest the old newest may be overdue: it expires now.
          model.advance(0);
          for (const subscriber of subscribers) if (subscriber.open) subscriber.unread.add(segment);
        }
        break;
      }
      case "clonePublisher": {
        const publisher = publishers[op.publisher % publishers.length] as (typeof publishers)[number];
        if (!publisher.open) {
          expectClosed(() => publisher.handle.clone());
        } else {
          publishers.push({ handle: publisher.handle.clone(), open: true });
          model.openPublishers++;
        }
        break;
      }
      case "closePublisher": {
        const publisher = publishers[op.publisher % publishers.length] as (typeof publishers)[number];
        const error = op.withError ? CacheError.reset(op.publisher) : undefined;
        publisher.handle.close(error);
        if (publisher.open) {
          publisher.open = false;
          model.openPublishers--;
          if (error !== undefined) model.closeTrack(error);
          else if (model.openPublishers === 0) model.closeTrack("closed");
        }
        break;
      }
      case "cloneSubscriber": {
        const subscriber = subscribers[op.subscriber % subscribers.length] as ModelSubscriber;
        if (!subscriber.open) {
          expectClosed(() => subscriber.handle.clone());
        } else {
          subscribers.push({
            handle: subscriber.handle.clone(),
            open: true,
            unread: new Set(subscriber.unread),
            waiting: undefined,
          });
          model.openSubscribers++;
        }
        break;
      }
      case "closeSubscriber": {
        const subscriber = subscribers[op.subscriber % subscribers.length] as ModelSubscriber;
        subscriber.handle.close();
        if (subscriber.open) {
          subscriber.open = false;
          subscriber.unread.clear();
          model.openSubscribers--;
          if (model.openSubscribers === 0) model.closeTrack("closed");
        }
        break;
      }
      case "read": {
        const subscriber = subscribers[op.subscriber % subscribers.length] as ModelSubscriber;
        if (subscriber.waiting !== undefined) break; // one read at a time per handle
        if (!subscriber.open) {
          await expect(subscriber.handle.nextSegment()).rejects.toMatchObject({ code: "closed" });
          break;
        }
        subscriber.waiting = watch(subscriber.handle.nextSegment());
        break;
      }
      case "advance": {
        vi.advanceTimersByTime(op.ms);
        model.advance(op.ms);
        break;
      }
    }
    await flush();
    for (const subscriber of subscribers) {
      if (subscriber.waiting !== undefined && checkSettled(model, subscriber, subscriber.waiting.current)) {
        subscriber.waiting = undefined;
      }
    }
  }
  // Tidy up: end the track so no read stays pending.
  for (const publisher of publishers) publisher.handle.close();
  for (const subscriber of subscribers) subscriber.handle.close();
  await flush();
}

describe("track cache against a reference model", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("agrees on order, fan-out, expiry and close for random interleavings", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(opArbitrary, { minLength: 10, maxLength: 80, size: "max" }),
        async (keepLatest, ops) => {
          await run(ops, keepLatest);
        },
      ),
      { numRuns: 300 },
    );
  });
});
