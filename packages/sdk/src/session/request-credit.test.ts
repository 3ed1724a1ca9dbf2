// Request credit as a bound (issue 11, items 7 and 8): credit handed back no faster than a rate (a
// SUBSCRIBE flood is slowed at its source), and our own request fails with TIMEOUT when the peer
// gives no credit in time instead of waiting forever.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProtocolViolation, SessionErrorCode } from "../wire/index.ts";
import { RequestError } from "./errors.ts";
import { IncomingRequestIds, OutgoingRequestIds } from "./request-ids.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("IncomingRequestIds with a rate", () => {
  it("credits a peer that opens and ends requests in a loop no faster than the rate", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const sent: number[] = [];
    // A window of 10 open requests, 20 new ones a second; client IDs (even).
    const ids = new IncomingRequestIds(0, 10, (max) => sent.push(max), undefined, 20);
    let next = 0;
    let accepted = 0;
    /** Opens and ends every request the credit allows now. */
    const flood = () => {
      const max = sent.at(-1) ?? 20;
      while (next < max) {
        ids.accept(next);
        ids.finish();
        next += 2;
        accepted++;
      }
    };
    flood();
    expect(accepted).toBe(10); // the first window
    for (let ms = 0; ms < 2_000; ms += 50) {
      vi.advanceTimersByTime(50);
      flood();
    }
    // 2 s at 20 a second on top of the first window; half a window of slack.
    expect(accepted).toBeGreaterThanOrEqual(10 + 40 - 5);
    expect(accepted).toBeLessThanOrEqual(10 + 40 + 5);
    // Past the credit is the peer's violation.
    expect(() => ids.accept(next)).toThrow(ProtocolViolation);
    ids.stop();
  });

  it("without a rate, credit comes back as requests end", () => {
    const sent: number[] = [];
    const ids = new IncomingRequestIds(0, 10, (max) => sent.push(max));
    for (let id = 0; id < 200; id += 2) {
      ids.accept(id);
      ids.finish();
    }
    expect(sent.at(-1)).toBeGreaterThanOrEqual(200);
  });

  it("a request at the credit closes with TOO_MANY_REQUESTS", () => {
    const ids = new IncomingRequestIds(0, 1, () => {}, undefined, 1);
    ids.accept(0);
    try {
      ids.accept(2);
      expect.unreachable();
    } catch (error) {
      expect((error as ProtocolViolation).code).toBe(SessionErrorCode.TOO_MANY_REQUESTS);
    }
    ids.stop();
  });
});

describe("OutgoingRequestIds deadline", () => {
  it("fails a request with TIMEOUT (0x2) when the peer gives no credit in time", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const ids = new OutgoingRequestIds(0, () => {});
    ids.grant(0, true);
    const waiting = ids.allocate(1_000);
    const outcome = waiting.then(
      () => "allocated",
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(999);
    await vi.advanceTimersByTimeAsync(2);
    const error = await outcome;
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe(0x2);
  });

  it("a request that gets its credit in time goes ahead", async () => {
    const ids = new OutgoingRequestIds(0, () => {});
    ids.grant(0, true);
    const waiting = ids.allocate(1_000);
    ids.grant(2);
    expect(await waiting).toBe(0);
  });
});
