// The AUTHORIZATION TOKEN setup parameter carries the client's token bytes exactly, and the server's
// authorize hook sees those bytes (never text decoded lossily: 0xFE and 0xFF are different tokens).
// Handler hooks that throw refuse PUBLISH and SUBSCRIBE_NAMESPACE with their own ERROR and code.
import { describe, expect, it } from "vitest";
import { sessionPair } from "../../test/session/test-helpers.ts";
import { createTrack } from "../cache/index.ts";
import { PublishErrorCode, SessionErrorCode, SubscribeNamespaceErrorCode } from "../wire/index.ts";
import { RequestError, SessionError } from "./errors.ts";

/** The error a promise rejects with (or undefined if it resolves). */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("AUTHORIZATION TOKEN", () => {
  it("sends a JWT string as its UTF-8 bytes, exactly", async () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const seen: Uint8Array[][] = [];
    const { client, server } = await sessionPair(
      { authorizationToken: jwt },
      {
        authorize(tokens) {
          seen.push(tokens);
          return true;
        },
      },
    );
    expect(seen).toEqual([[new TextEncoder().encode(jwt)]]);
    client.close();
    await server.closed;
  });

  it("hands the server the bytes sent: tokens differing in non-UTF-8 bytes stay different", async () => {
    const secret = Uint8Array.of(0x73, 0xfe, 0x00, 0xff);
    const accepted: number[][] = [];
    const authorize = (tokens: Uint8Array[]) => {
      accepted.push([...(tokens[0] ?? [])]);
      const token = tokens[0];
      return token !== undefined && token.length === secret.length && token.every((byte, i) => byte === secret[i]);
    };
    const good = await sessionPair({ authorizationToken: secret }, { authorize });
    good.client.close();
    await good.server.closed;
    // Decoded as UTF-8 both of these were "s\uFFFD\0\uFFFD": a wrong token matched.
    const forged = Uint8Array.of(0x73, 0xff, 0x00, 0xfe);
    const error = await rejection(sessionPair({ authorizationToken: forged }, { authorize }));
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe(SessionErrorCode.UNAUTHORIZED);
    expect(accepted).toEqual([
      [0x73, 0xfe, 0x00, 0xff],
      [0x73, 0xff, 0x00, 0xfe],
    ]);
  });

  it("waits for an asynchronous authorize (a JWT verification); its false is UNAUTHORIZED", async () => {
    const error = await rejection(
      sessionPair(
        { authorizationToken: "expired" },
        { authorize: async (tokens) => new TextDecoder().decode(tokens[0]) === "fresh" },
      ),
    );
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe(SessionErrorCode.UNAUTHORIZED);
    const { client, server } = await sessionPair(
      { authorizationToken: "fresh" },
      { authorize: async (tokens) => new TextDecoder().decode(tokens[0]) === "fresh" },
    );
    expect(client.isClosed).toBe(false);
    client.close();
    await server.closed;
  });
});

describe("handler hooks that refuse", () => {
  it("a publish hook that throws answers PUBLISH_ERROR with its code (not PUBLISH_OK)", async () => {
    let calls = 0;
    const { client, server, clientSent } = await sessionPair(
      {},
      {
        handler: {
          publish() {
            calls++;
            throw new RequestError(PublishErrorCode.UNAUTHORIZED, "not granted");
          },
        },
      },
    );
    const [, root] = createTrack("video");
    const error = await rejection(client.publishTrack(["a"], "video", root));
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe(PublishErrorCode.UNAUTHORIZED);
    expect(calls).toBe(1);
    expect(client.isClosed).toBe(false);
    const kinds = (await clientSent()).map((message) => message.kind);
    expect(kinds).toContain("publish");
    client.close();
    await server.closed;
  });

  it("a subscribeNamespace hook that throws answers SUBSCRIBE_NAMESPACE_ERROR with its code", async () => {
    const { client, server } = await sessionPair(
      {},
      {
        handler: {
          subscribeNamespace() {
            throw new RequestError(SubscribeNamespaceErrorCode.UNAUTHORIZED, "not granted");
          },
        },
      },
    );
    const watcher = client.subscribeNamespace(["other"]);
    const error = await rejection(watcher.ready);
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).code).toBe(SubscribeNamespaceErrorCode.UNAUTHORIZED);
    expect(client.isClosed).toBe(false);
    client.close();
    await server.closed;
  });
});
