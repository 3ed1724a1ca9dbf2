// The control stream's deadlines and bounds (issue 11, items 4 and 8): a control message that stops
// part-way, a SETUP that never comes, and a peer that does not read what we queue for it.
import { describe, expect, it } from "vitest";
import { sessionPair } from "../../test/session/test-helpers.ts";
import {
  encodeControlMessage,
  readControlMessage,
  SessionErrorCode,
  SetupParameter,
  StreamReader,
} from "../wire/index.ts";
import { createTransportPair, type MockCloseInfo, type MockWebTransport } from "./mock-transport.ts";
import type { Session, SessionOptions } from "./session.ts";
import { startServerSession } from "./setup.ts";

const SETUP = encodeControlMessage({
  kind: "client_setup",
  versions: [0xff00000e],
  parameters: [{ type: SetupParameter.MAX_REQUEST_ID, value: 1_000_000 }],
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How `transport` was closed, or "open" if it still is after `ms`. */
function closeCodeWithin(transport: MockWebTransport, ms: number): Promise<number | "open"> {
  return Promise.race([
    transport.closed.then((info: MockCloseInfo) => info.closeCode),
    delay(ms).then(() => "open" as const),
  ]);
}

/** A raw client: the control stream and, once `setup` is written, a server session on the other end. */
async function rawClient(options: SessionOptions, setup: Uint8Array | null = SETUP) {
  const [client, server] = createTransportPair();
  const control = await client.createBidirectionalStream();
  const writer = control.writable.getWriter();
  if (setup !== null) await writer.write(setup);
  const session = startServerSession(server, options);
  session.catch(() => {});
  return { client, control, writer, session };
}

describe("a control message must arrive whole within controlMessageTimeoutMs", () => {
  it("one that declares 65,535 bytes and stops closes the session with CONTROL_MESSAGE_TIMEOUT", async () => {
    const { client, writer, session } = await rawClient({ controlMessageTimeoutMs: 200 });
    const server = await session;
    // SUBSCRIBE_NAMESPACE (0x11) declaring a 65,535-byte payload, of which 10 bytes come.
    await writer.write(Uint8Array.of(0x11, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    expect(await closeCodeWithin(client, 2_000)).toBe(SessionErrorCode.CONTROL_MESSAGE_TIMEOUT);
    const closed = await server.closed;
    expect(closed.code).toBe(SessionErrorCode.CONTROL_MESSAGE_TIMEOUT);
  });

  it("one that comes in pieces within the deadline is read as usual", async () => {
    const { client, writer, session } = await rawClient({ controlMessageTimeoutMs: 300 });
    const server = await session;
    const message = encodeControlMessage({ kind: "goaway", newSessionUri: "" });
    await writer.write(message.subarray(0, 2));
    await delay(100);
    await writer.write(message.subarray(2));
    await expect(Promise.race([server.goneAway, delay(1_000).then(() => "none")])).resolves.toBe("");
    // Idle between messages is no timeout.
    expect(await closeCodeWithin(client, 600)).toBe("open");
    server.close();
  });

  it("SETUP: a control stream with no CLIENT_SETUP, or half of one, is closed after setupTimeoutMs", async () => {
    for (const setup of [null, SETUP.subarray(0, 4)]) {
      const { client, session } = await rawClient({ setupTimeoutMs: 200 }, setup);
      await expect(session).rejects.toMatchObject({ code: SessionErrorCode.CONTROL_MESSAGE_TIMEOUT });
      expect(await closeCodeWithin(client, 1_000)).toBe(SessionErrorCode.CONTROL_MESSAGE_TIMEOUT);
    }
  });
});

/** Queues `count` PUBLISH_NAMESPACEs of ~1 KB each from `session`, `perTick` at a time. */
async function publishMany(session: Session, count: number, perTick: number): Promise<void> {
  const filler = "x".repeat(1_000);
  for (let i = 0; i < count && !session.isClosed; i++) {
    session.publish(["many", filler, `${i}`]).ready.catch(() => {});
    if (i % perTick === perTick - 1) await delay(0);
  }
}

describe("the control bytes queued for the peer are bounded by maxControlQueueBytes", () => {
  it("a peer that does not read its control stream is closed with CONTROL_MESSAGE_TIMEOUT", async () => {
    const { client, control, session } = await rawClient({ maxControlQueueBytes: 64 * 1024 });
    const server = await session;
    // The client reads SERVER_SETUP, then nothing more.
    const reader = new StreamReader(control.readable);
    expect((await readControlMessage(reader))?.kind).toBe("server_setup");
    // 1,000 namespaces of ~1 KB: beyond the stream's window and the bound, 20 per tick.
    await publishMany(server, 1_000, 20);
    expect(await closeCodeWithin(client, 2_000)).toBe(SessionErrorCode.CONTROL_MESSAGE_TIMEOUT);
    const closed = await server.closed;
    expect(closed.code).toBe(SessionErrorCode.CONTROL_MESSAGE_TIMEOUT);
    expect(closed.message).toMatch(/does not read its control stream/);
  });

  it("a peer that reads gets the same volume and stays open", async () => {
    const published: string[] = [];
    const { client, server } = await sessionPair(
      {
        handler: {
          publishNamespace(_session, namespace) {
            published.push(new TextDecoder().decode(namespace[2]));
          },
        },
      },
      { maxControlQueueBytes: 64 * 1024 },
    );
    await publishMany(server, 1_000, 20);
    for (let i = 0; i < 100 && published.length < 1_000; i++) await delay(10);
    expect(published.length).toBe(1_000);
    expect(server.isClosed).toBe(false);
    expect(client.isClosed).toBe(false);
    client.close();
  });
});
