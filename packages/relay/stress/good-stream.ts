// A good publisher → relay → subscribers stream for pnpm fuzz and pnpm bench:soak: one MoQT session
// publishes namespace [name] track "video", one group per tick (30/s by default) of one small object
// holding the group sequence, each subscriber a session of its own. Each subscriber records when each
// group arrived: groups expected / received, out-of-order or wrong objects, and the longest gap
// between two arrivals (or from the last arrival to the check).
import { createTrack, type TrackSubscriber } from "@moqkit/sdk/cache";
import type { Session } from "@moqkit/sdk/session";
import { moqConnect, withTimeout } from "../src/moq/test-client.ts";
import { delay, type Relay } from "../src/relay-process.ts";

export interface SubscriberReport {
  received: number;
  /** Groups never received (sequences below the last one sent). */
  missing: number;
  /** Objects whose bytes did not say their group's sequence. */
  corrupt: number;
  /** The longest time between two arrivals, or from the last arrival to the check (ms). */
  maxGapMs: number;
  /** Whether the subscriber's session or track ended early, and why. */
  ended?: string;
}

export interface GoodStreamReport {
  groupsExpected: number;
  /** The fewest groups any subscriber received. */
  groupsReceived: number;
  maxGapMs: number;
  subscribers: SubscriberReport[];
  /** Session errors seen: publisher or subscriber sessions that closed, tracks that ended. */
  sessionErrors: string[];
}

class Receiver {
  /** The groups that arrived. */
  readonly arrivals = new Set<number>();
  corrupt = 0;
  maxGapMs = 0;
  last = performance.now();
  ended: string | undefined;

  constructor(readonly track: TrackSubscriber) {}

  /** Reads groups until the track ends (bounded by `maxGroups`). */
  async run(maxGroups: number): Promise<void> {
    while (this.arrivals.size < maxGroups) {
      const segment = await this.track.nextSegment();
      if (segment === undefined) {
        this.ended ??= "the track ended";
        return;
      }
      const chunk = await segment.readChunk();
      segment.close();
      const now = performance.now();
      this.maxGapMs = Math.max(this.maxGapMs, now - this.last);
      this.last = now;
      const view = chunk === undefined || chunk.length < 4 ? undefined : new DataView(chunk.buffer, chunk.byteOffset);
      if (view === undefined || view.getUint32(0) !== segment.sequence) this.corrupt++;
      this.arrivals.add(segment.sequence);
    }
  }
}

export class GoodStream {
  readonly sessionErrors: string[] = [];
  #sequence = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #receivers: Receiver[] = [];
  #reads: Promise<void>[] = [];
  #sessions: Session[] = [];
  #publisher: ReturnType<typeof createTrack>[0] | undefined;
  #stopped = false;

  /** Connects the publisher and `subscribers` subscribers; groups flow from `start()`. */
  static async open(
    relay: Relay,
    options: { name: string; subscribers: number; rate?: number; objectBytes?: number },
  ): Promise<GoodStream> {
    const stream = new GoodStream(options.rate ?? 30, options.objectBytes ?? 64);
    await stream.#open(relay, options.name, options.subscribers);
    return stream;
  }

  private constructor(
    readonly rate: number,
    readonly objectBytes: number,
  ) {}

  async #open(relay: Relay, name: string, subscribers: number): Promise<void> {
    const watch = (session: Session, who: string) => {
      this.#sessions.push(session);
      void session.closed.then((error) => {
        if (!this.#stopped) this.sessionErrors.push(`${who} session closed: ${error.code} ${error.message}`);
      });
    };
    const pub = await withTimeout(moqConnect(relay), 10_000, "the good publisher's session");
    watch(pub, "publisher");
    const broadcast = pub.publish([name]);
    const [publisher, root] = createTrack("video");
    this.#publisher = publisher;
    broadcast.addTrack("video", root, { maxCacheDurationMs: 2_000 });
    await withTimeout(broadcast.ready, 10_000, "PUBLISH_NAMESPACE_OK");
    for (let i = 0; i < subscribers; i++) {
      const sub = await withTimeout(moqConnect(relay), 10_000, "a good subscriber's session");
      watch(sub, `subscriber ${i}`);
      const { track, ready } = sub.subscribe([name], "video");
      await withTimeout(ready, 10_000, "SUBSCRIBE_OK");
      this.#receivers.push(new Receiver(track));
    }
  }

  /** Publishes a group every 1/rate s on an absolute schedule, at most `maxGroups`. */
  start(maxGroups: number): void {
    const period = 1000 / this.rate;
    const begin = performance.now();
    for (const receiver of this.#receivers) {
      receiver.last = begin;
      const read = receiver.run(maxGroups).catch((error: unknown) => {
        receiver.ended = `the track failed: ${error instanceof Error ? error.message : String(error)}`;
      });
      this.#reads.push(read);
    }
    const tick = () => {
      if (this.#stopped || this.#sequence >= maxGroups || this.#publisher === undefined) return;
      const object = new Uint8Array(this.objectBytes);
      new DataView(object.buffer).setUint32(0, this.#sequence);
      const segment = this.#publisher.createSegment({ sequence: this.#sequence, priority: 0, expiresMs: 2_000 });
      segment.writeChunk(object);
      segment.close();
      this.#sequence++;
      const due = begin + this.#sequence * period;
      this.#timer = setTimeout(tick, Math.max(0, due - performance.now()));
    };
    tick();
  }

  /** Current numbers (the stream keeps going). */
  report(): GoodStreamReport {
    const now = performance.now();
    const expected = this.#sequence;
    const subscribers = this.#receivers.map((receiver): SubscriberReport => {
      let received = 0;
      for (const sequence of receiver.arrivals) if (sequence < expected) received++;
      const gap = receiver.ended === undefined ? now - receiver.last : 0;
      return {
        received,
        missing: expected - received,
        corrupt: receiver.corrupt,
        maxGapMs: Math.round(Math.max(receiver.maxGapMs, gap)),
        ...(receiver.ended === undefined ? {} : { ended: receiver.ended }),
      };
    });
    return {
      groupsExpected: expected,
      groupsReceived: Math.min(...subscribers.map((s) => s.received)),
      maxGapMs: Math.max(...subscribers.map((s) => s.maxGapMs)),
      subscribers,
      sessionErrors: [
        ...this.sessionErrors,
        ...subscribers.filter((s) => s.ended !== undefined).map((s) => s.ended as string),
      ],
    };
  }

  /** Stops publishing, waits up to `drainMs` for the last groups, reports, and closes every session. */
  async stop(drainMs = 2_000): Promise<GoodStreamReport> {
    clearTimeout(this.#timer);
    const expected = this.#sequence;
    const deadline = performance.now() + drainMs;
    while (performance.now() < deadline) {
      if (this.#receivers.every((r) => r.arrivals.size >= expected)) break;
      await delay(50);
    }
    // The drain is no gap of the stream: measure gaps up to the last group sent.
    const report = this.report();
    this.#stopped = true;
    this.#publisher?.close();
    for (const session of this.#sessions) session.close();
    await Promise.race([Promise.allSettled(this.#reads), delay(1_000)]);
    return report;
  }
}
