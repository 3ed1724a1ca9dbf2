// Test helpers: MoQT client sessions on the Deno WebTransport client, against a relay process.
import { createTrack, type TrackSubscriber } from "@moqkit/sdk/cache";
import { type Session, type SessionOptions, startClientSession } from "@moqkit/sdk/session";
import type { Relay } from "../relay-process.ts";

export { delay, withTimeout } from "../relay-process.ts";

import { connect } from "../webtransport/client.ts";

export async function moqConnect(relay: Relay, options: SessionOptions = {}, path = "/moq"): Promise<Session> {
  const transport = await connect(`https://127.0.0.1:${relay.port}${path}`, { caCerts: [relay.pem] });
  await transport.ready;
  return startClientSession(transport, options);
}

/** Reads every group of a track until it ends: sequence → the object payloads. Bounded in groups. */
export async function readGroups(track: TrackSubscriber, maxGroups: number): Promise<Map<number, Uint8Array[]>> {
  const groups = new Map<number, Uint8Array[]>();
  while (groups.size < maxGroups) {
    const segment = await track.nextSegment();
    if (segment === undefined) break;
    const objects: Uint8Array[] = [];
    for (let chunk = await segment.readChunk(); chunk !== undefined; chunk = await segment.readChunk())
      objects.push(chunk);
    segment.close();
    groups.set(segment.sequence, objects);
  }
  return groups;
}

/** A cache track to publish: returns its publisher and a root reader for Broadcast.addTrack. */
export function publishableTrack(name: string) {
  const [publisher, root] = createTrack(name);
  return { publisher, root };
}
