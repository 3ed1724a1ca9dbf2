// A subscriber that stalls (issue 11, item 5): one that grants no stream credit, or never reads what
// is written, must not make the publisher hold one stuck sender per group. The groups in flight per
// subscription stay bounded, and a good subscriber of the same track still gets every group.
import { describe, expect, it } from "vitest";
import { flush, payload, readGroups, sessionPair, writeGroup } from "../../test/session/test-helpers.ts";
import { createTrack } from "../cache/index.ts";
import type { MockWebTransport } from "./mock-transport.ts";
import type { TransportSendStream } from "./transport.ts";

/** The senders a stalled subscription may hold at once: 8 in flight and 8 being cut (serve.ts). */
const BOUND = 16;
const GROUPS = 100;

interface Stall {
  /** createUnidirectionalStream calls not yet answered. */
  pendingOpens(): number;
  /** Streams opened and neither finished nor reset. */
  liveStreams(): number;
}

/** A peer that grants no stream credit: createUnidirectionalStream never resolves. */
function noStreamCredit(transport: MockWebTransport): Stall {
  let pending = 0;
  transport.createUnidirectionalStream = () => {
    pending++;
    return new Promise<TransportSendStream>(() => {});
  };
  return { pendingOpens: () => pending, liveStreams: () => 0 };
}

/** A peer that never reads: streams open, but no write ever completes (until the stream is reset). */
function neverReads(transport: MockWebTransport): Stall {
  let live = 0;
  transport.createUnidirectionalStream = async (options: { sendOrder?: number } = {}) => {
    live++;
    let ended = false;
    const end = () => {
      if (!ended) live--;
      ended = true;
    };
    const writable = new WritableStream<Uint8Array>(
      {
        write(_chunk, controller) {
          return new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve()));
        },
        close: end,
        abort: end,
      },
      { highWaterMark: 1 },
    );
    return Object.assign(writable, { sendOrder: options.sendOrder ?? 0 });
  };
  return { pendingOpens: () => 0, liveStreams: () => live };
}

async function run(stall: (transport: MockWebTransport) => Stall): Promise<void> {
  const [publisher, root] = createTrack("video");
  // The stalled viewer and a good one, each on its own session, of the same track.
  const stalled = await sessionPair();
  const good = await sessionPair();
  const watch = stall(stalled.clientTransport);
  for (const pair of [stalled, good]) {
    const broadcast = pair.client.publish(["live", "cam"]);
    broadcast.addTrack("video", root);
    await broadcast.ready;
  }
  const stalledSubscription = stalled.server.subscribe(["live", "cam"], "video");
  const goodSubscription = good.server.subscribe(["live", "cam"], "video");
  await Promise.all([stalledSubscription.ready, goodSubscription.ready]);
  const received = readGroups(goodSubscription.track, GROUPS);
  let most = 0;
  for (let group = 0; group < GROUPS; group++) {
    writeGroup(publisher, group, [payload(group, 0, 1000), payload(group, 1, 1000)]);
    await flush(3);
    most = Math.max(most, watch.pendingOpens() + watch.liveStreams());
  }
  expect(most, "stream opens pending or streams open for the stalled subscriber").toBeLessThanOrEqual(BOUND);
  const groups = await received;
  expect([...groups.keys()].sort((a, b) => a - b)).toEqual([...Array(GROUPS).keys()]);
  stalled.client.close();
  good.client.close();
}

describe("a stalled subscriber holds a bounded number of groups", () => {
  it("one that grants no stream credit: pending stream opens stay at the cap", async () => {
    await run(noStreamCredit);
  });

  it("one that never reads: blocked streams are reset and stay at the cap", async () => {
    await run(neverReads);
  });
});
