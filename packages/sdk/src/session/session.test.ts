import { afterEach, describe, expect, it, vi } from "vitest";
import {
  firstDifference,
  flush,
  payload,
  readGroups,
  readSegment,
  sessionPair,
  writeGroup,
} from "../../test/session/test-helpers.ts";
import { CacheError, createTrack } from "../cache/index.ts";
import {
  encodeControlMessage,
  intParameter,
  readControlMessage,
  SessionErrorCode,
  SetupParameter,
  StreamReader,
} from "../wire/index.ts";
import { SessionError } from "./errors.ts";
import { createTransportPair } from "./mock-transport.ts";
import { startServerSession } from "./setup.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("a session pair over the in-process transport", () => {
  it("sets up: each side has the other's SETUP parameters and its request credit", async () => {
    const { client, server } = await sessionPair({ implementation: "client-x" }, { implementation: "server-y" });
    expect(client.role).toBe("client");
    expect(server.role).toBe("server");
    const name = (parameters: typeof client.peerParameters) =>
      new TextDecoder().decode(parameters.find((p) => p.type === SetupParameter.IMPLEMENTATION)?.value as Uint8Array);
    expect(name(client.peerParameters)).toBe("server-y");
    expect(name(server.peerParameters)).toBe("client-x");
    expect(intParameter(server.peerParameters, SetupParameter.MAX_REQUEST_ID)).toBeGreaterThan(0);
    client.close();
    const closed = await server.closed;
    expect(closed.code).toBe(SessionErrorCode.NO_ERROR);
    expect(closed.remote).toBe(true);
  });

  it("delivers published groups byte-identical, empty, sparse and large objects included", async () => {
    const { client, server } = await sessionPair();
    const [publisher, root] = createTrack("video");
    const broadcast = client.publish(["live", "cam"]);
    broadcast.addTrack("video", root);
    await broadcast.ready;
    const subscription = server.subscribe(["live", "cam"], "video");
    const info = await subscription.ready;
    expect(info.largest).toBeUndefined();
    const sent = new Map<number, Uint8Array[]>();
    for (let group = 0; group < 6; group++) {
      // Group 3 is larger than the stream window: the writer waits for the reader.
      const objects = [payload(group, 0, 1000), new Uint8Array(0), payload(group, 2, group === 3 ? 600_000 : 300)];
      sent.set(group, objects);
      writeGroup(publisher, group, objects);
    }
    const sparse = publisher.createSegment({ sequence: 6, priority: 1 });
    for (const id of [0, 3, 9]) sparse.writeChunk(payload(6, id), id);
    sparse.close();
    publisher.close();
    const received = await readGroups(subscription.track, 100);
    expect([...received.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const [group, objects] of sent)
      expect(firstDifference(received.get(group), objects), `group ${group}`).toBe("");
    expect(received.get(6)).toEqual([payload(6, 0), payload(6, 3), payload(6, 9)]);
    // The track ended cleanly (PUBLISH_DONE): the subscription's handle is closed without an error.
    await expect(subscription.closed).resolves.toBeUndefined();
  });

  it("addTrack's onObjectSent is told each object once it is written to the subscriber's stream", async () => {
    const { client, server } = await sessionPair();
    const [publisher, root] = createTrack("video");
    const sent: [number, number, number][] = [];
    const broadcast = client.publish(["live", "sent"]);
    broadcast.addTrack("video", root, {
      onObjectSent: (group, object, bytes) => sent.push([group, object, bytes.byteLength]),
    });
    await broadcast.ready;
    const subscription = server.subscribe(["live", "sent"], "video");
    await subscription.ready;
    writeGroup(publisher, 0, [payload(0, 0, 10), payload(0, 1, 20)]);
    writeGroup(publisher, 1, [payload(1, 0, 30)]);
    const groups = await readGroups(subscription.track, 2);
    expect([...groups.keys()].sort()).toEqual([0, 1]);
    expect(sent.sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual([
      [0, 0, 10],
      [0, 1, 20],
      [1, 0, 30],
    ]);
    client.close();
  });

  it("addTrack serves a clone: the caller's reader outlives the broadcast and the session", async () => {
    const { client, server } = await sessionPair();
    const [publisher, root] = createTrack("video");
    const broadcast = client.publish(["clone"]);
    broadcast.addTrack("video", root);
    await broadcast.ready;
    const subscription = server.subscribe(["clone"], "video");
    await subscription.ready;
    writeGroup(publisher, 0, [payload(0, 0)]);
    expect((await readGroups(subscription.track, 1)).get(0)).toEqual([payload(0, 0)]);
    broadcast.close();
    expect(root.isClosed).toBe(false);
    expect(root.isEnded).toBe(false);
    // A second broadcast on the same session serves the same reader again.
    const again = client.publish(["clone", "again"]);
    again.addTrack("video", root);
    await again.ready;
    client.close();
    await server.closed;
    expect(root.isClosed).toBe(false);
    expect(root.isEnded).toBe(false);
    writeGroup(publisher, 1, [payload(1, 0)]);
    expect(await readSegment(root.segment(1) as NonNullable<ReturnType<typeof root.segment>>)).toEqual([payload(1, 0)]);
    expect(() => again.addTrack("other", root)).toThrow(/closed/);
    root.close();
    expect(() => client.publish(["x"])).toThrow(SessionError);
  });

  it("publishTrack pushes a track with PUBLISH and never closes the caller's reader", async () => {
    const pushed: { name: string; track: import("../cache/index.ts").TrackSubscriber }[] = [];
    const { client } = await sessionPair(
      {},
      {
        handler: {
          publish: (_session, _namespace, name, track) => pushed.push({ name: new TextDecoder().decode(name), track }),
        },
      },
    );
    const [publisher, root] = createTrack("audio");
    await client.publishTrack(["push"], "audio", root);
    expect(pushed.map((entry) => entry.name)).toEqual(["audio"]);
    writeGroup(publisher, 0, [payload(0, 0), payload(0, 1)]);
    const groups = await readGroups(pushed[0]?.track as NonNullable<(typeof pushed)[0]>["track"], 1);
    expect(groups.get(0)).toEqual([payload(0, 0), payload(0, 1)]);
    client.close();
    expect(root.isClosed).toBe(false);
  });

  it("a protocol violation closes only that session", async () => {
    const good = await sessionPair();
    // A raw client: a valid CLIENT_SETUP, then a SUBSCRIBE whose namespace field overruns the message.
    const [raw, serverSide] = createTransportPair();
    const server = startServerSession(serverSide);
    const control = await raw.createBidirectionalStream();
    const writer = control.writable.getWriter();
    await writer.write(encodeControlMessage({ kind: "client_setup", versions: [0xff00000e], parameters: [] }));
    const bad = await server;
    expect((await readControlMessage(new StreamReader(control.readable)))?.kind).toBe("server_setup");
    await writer.write(Uint8Array.of(0x03, 0x00, 0x03, 0x00, 0x01, 0x40));
    const closed = await bad.closed;
    expect(closed.code).toBe(SessionErrorCode.PROTOCOL_VIOLATION);
    expect((await raw.closed).closeCode).toBe(SessionErrorCode.PROTOCOL_VIOLATION);
    // The other pair carries on.
    const [publisher, root] = createTrack("video");
    const broadcast = good.client.publish(["still"]);
    broadcast.addTrack("video", root);
    await broadcast.ready;
    const subscription = good.server.subscribe(["still"], "video");
    await subscription.ready;
    writeGroup(publisher, 0, [payload(0, 0)]);
    expect((await readGroups(subscription.track, 1)).get(0)).toEqual([payload(0, 0)]);
    expect(good.client.isClosed || good.server.isClosed).toBe(false);
  });

  it("a second bidirectional stream is a protocol violation", async () => {
    const { client, server, clientTransport } = await sessionPair();
    await clientTransport.createBidirectionalStream();
    expect((await server.closed).code).toBe(SessionErrorCode.PROTOCOL_VIOLATION);
    expect((await client.closed).code).toBe(SessionErrorCode.PROTOCOL_VIOLATION);
  });

  it("a control stream ended without a close is a violation only after the grace period", async () => {
    vi.useFakeTimers();
    const [raw, serverSide] = createTransportPair();
    const server = startServerSession(serverSide);
    const control = await raw.createBidirectionalStream();
    const writer = control.writable.getWriter();
    await writer.write(encodeControlMessage({ kind: "client_setup", versions: [0xff00000e], parameters: [] }));
    const session = await server;
    await writer.close();
    await flush(3);
    await vi.advanceTimersByTimeAsync(200);
    expect(session.isClosed).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(session.isClosed).toBe(true);
    expect((await session.closed).code).toBe(SessionErrorCode.PROTOCOL_VIOLATION);
  });

  it("a session closing ends the tracks it made with the error, and rejects what was not answered", async () => {
    let hold: () => void = () => {};
    const { client, server } = await sessionPair(
      {},
      { handler: { resolveTrack: () => new Promise((_, reject) => (hold = () => reject(new Error("late")))) } },
    );
    const unanswered = client.subscribe(["never"], "answered");
    await flush(3);
    client.close(SessionErrorCode.NO_ERROR, "bye");
    await expect(unanswered.ready).rejects.toBeInstanceOf(SessionError);
    await expect(unanswered.track.nextSegment()).rejects.toBeInstanceOf(CacheError);
    const ended = await unanswered.closed;
    expect(ended?.code).toBe("reset");
    hold();
    await server.closed;
  });
});
