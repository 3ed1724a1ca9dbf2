// A PUBLISH_NAMESPACE the peer refuses leaves the namespace free on this session: it can be asked
// for again (the worker does, with backoff, when a relay still holds its previous session's claim),
// and closing the refused broadcast withdraws nothing.
import { describe, expect, it } from "vitest";
import { sessionPair } from "../../test/session/test-helpers.ts";
import { RequestError } from "./errors.ts";

describe("a refused PUBLISH_NAMESPACE", () => {
  it("rejects ready, then the same namespace can be published again on the same session", async () => {
    let refusals = 1;
    const announced: string[] = [];
    const { client, server, clientSent } = await sessionPair(
      {},
      {
        handler: {
          publishNamespace(_session, namespace) {
            if (refusals-- > 0) throw new RequestError(0x1, "held by another session");
            announced.push(namespace.map((field) => new TextDecoder().decode(field)).join("/"));
          },
        },
      },
    );
    const first = client.publish(["live", "cam"]);
    await expect(first.ready).rejects.toBeInstanceOf(RequestError);
    // Before the fix: SessionArgumentError "namespace live/cam is already published on this session".
    const second = client.publish(["live", "cam"]);
    await second.ready;
    expect(announced).toEqual(["live/cam"]);
    // Closing the refused one withdraws nothing (the accepted one is untouched).
    first.close();
    const kinds = (await clientSent()).map((message) => message.kind);
    expect(kinds.filter((kind) => kind === "publish_namespace")).toHaveLength(2);
    expect(kinds).not.toContain("publish_namespace_done");
    client.close();
    await server.closed;
  });
});
