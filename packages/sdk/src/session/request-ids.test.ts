import { describe, expect, it } from "vitest";
import { ProtocolViolation, SessionErrorCode } from "../wire/index.ts";
import { IncomingRequestIds, OutgoingRequestIds } from "./request-ids.ts";

describe("OutgoingRequestIds", () => {
  it("hands out the role's parity in steps of 2, once the peer gave credit", async () => {
    const blocked: number[] = [];
    const ids = new OutgoingRequestIds(1, (max) => blocked.push(max));
    ids.grant(5, true);
    expect([await ids.allocate(), await ids.allocate()]).toEqual([1, 3]);
    // 5 is not below the credit: wait, and say REQUESTS_BLOCKED once.
    let third: number | undefined;
    void ids.allocate().then((id) => {
      third = id;
    });
    void ids.allocate();
    await Promise.resolve();
    expect(third).toBeUndefined();
    expect(blocked).toEqual([5]);
    ids.grant(7);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(third).toBe(5);
    expect(blocked).toEqual([5, 7]);
  });

  it("knows which IDs it has handed out (a late reply to an ended request of ours is no violation)", async () => {
    const ids = new OutgoingRequestIds(0, () => {});
    ids.grant(10, true);
    expect(ids.used(0)).toBe(false);
    await ids.allocate();
    await ids.allocate();
    expect([0, 1, 2, 3, 4].map((id) => ids.used(id))).toEqual([true, false, true, false, false]);
    expect(ids.used(-2)).toBe(false);
  });

  it("refuses a MAX_REQUEST_ID that does not grow", () => {
    const ids = new OutgoingRequestIds(0, () => {});
    ids.grant(10, true);
    expect(() => ids.grant(10)).toThrow(ProtocolViolation);
  });
});

describe("IncomingRequestIds", () => {
  it("accepts exactly the next ID below the credit", () => {
    const sent: number[] = [];
    const ids = new IncomingRequestIds(0, 2, (max) => sent.push(max));
    expect(ids.initialMax).toBe(4);
    ids.accept(0);
    ids.accept(2);
    const tooMany = (() => {
      try {
        ids.accept(4);
      } catch (error) {
        return error;
      }
    })();
    expect(tooMany).toBeInstanceOf(ProtocolViolation);
    expect((tooMany as ProtocolViolation).code).toBe(SessionErrorCode.TOO_MANY_REQUESTS);
  });

  it("closes with INVALID_REQUEST_ID for a skipped, repeated or wrong-parity ID", () => {
    for (const bad of [2, 1, 3]) {
      const ids = new IncomingRequestIds(0, 10, () => {});
      expect(() => ids.accept(bad)).toThrow(expect.objectContaining({ code: SessionErrorCode.INVALID_REQUEST_ID }));
    }
    const ids = new IncomingRequestIds(0, 10, () => {});
    ids.accept(0);
    expect(() => ids.accept(0)).toThrow(expect.objectContaining({ code: SessionErrorCode.INVALID_REQUEST_ID }));
  });

  it("gives credit back as requests finish, half a window at a time", () => {
    const sent: number[] = [];
    const ids = new IncomingRequestIds(0, 4, (max) => sent.push(max));
    for (const id of [0, 2, 4, 6]) ids.accept(id);
    expect(sent).toEqual([]);
    ids.finish();
    expect(sent).toEqual([]);
    ids.finish();
    // 4 used, 2 still open: the peer may go up to 8 + 2 * (4 - 2) = 12.
    expect(sent).toEqual([12]);
  });

  it("adopts a server's even IDs once, at its first request (@moq/lite 0.2.2), and says so", () => {
    const deviations: string[] = [];
    const ids = new IncomingRequestIds(
      1,
      10,
      () => {},
      (what) => deviations.push(what),
    );
    ids.accept(0);
    ids.accept(2);
    expect(deviations).toHaveLength(1);
    expect(() => ids.accept(3)).toThrow(ProtocolViolation);
  });
});
