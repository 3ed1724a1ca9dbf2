// Authorization against the real relay process (issue 11, item 15): JWTs (HS256 and ES256) in the
// URL and in CLIENT_SETUP's AUTHORIZATION TOKEN, grants of publish/subscribe on namespace prefixes,
// expiry, and the static --token with its failed-attempt limit. Every refusal carries its code,
// and nothing of a protected broadcast reaches a reader without the grant. Keys are made here, at
// test time, and written to a temporary directory removed afterwards.
import assert from "node:assert/strict";
import { CacheError, createTrack, type TrackPublisher, type TrackSubscriber } from "@moqkit/sdk/cache";
import { type Session, SessionError } from "@moqkit/sdk/session";
import {
  DRAFT_14,
  encodeControlMessage,
  encodeToken,
  PublishErrorCode,
  PublishNamespaceErrorCode,
  SessionErrorCode,
  SetupParameter,
  SubscribeErrorCode,
  SubscribeNamespaceErrorCode,
  TokenAliasType,
} from "@moqkit/sdk/wire";
import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { delay, moqConnect, outcome, withTimeout } from "../moq/test-client.ts";
import { type Relay, startRelay, stopRelay, waitForLine } from "../relay-process.ts";
import { connect } from "../webtransport/client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** What the protected broadcast's objects say: a reader without the grant must never see it. */
const SECRET = "protected-bytes";

type SigningKey = { alg: "HS256"; key: Uint8Array } | { alg: "ES256"; key: CryptoKey };

/** A JWT with `claims`, expiring `expiresInS` from now (negative: already expired). */
function mint(signer: SigningKey, claims: JWTPayload, expiresInS = 600): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(signer.key);
}

function grant(publish: string[], subscribe: string[]): JWTPayload {
  return { moqkit: { publish, subscribe } };
}

function randomSecret(): Uint8Array {
  // 48 printable bytes: the key file holds the secret as text.
  const hex = [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, "0")).join("");
  return encoder.encode(hex);
}

/** How a session attempt ended: "ok", the session error code, or the HTTP status the request got. */
async function sessionOutcome(relay: Relay, token: string | undefined, path = "/moq"): Promise<"ok" | string | number> {
  try {
    const session = await withTimeout(moqConnect(relay, { authorizationToken: token }, path), 5_000, "setup");
    session.close();
    return "ok";
  } catch (error) {
    if (error instanceof SessionError) return error.code;
    const status = /answered (\d{3})/.exec(error instanceof Error ? error.message : String(error));
    if (status !== null) return `http ${status[1]}`;
    throw error;
  }
}

/** A track writing a group every 50 ms whose one object is SECRET. */
function secretSource(): { publisher: TrackPublisher; root: TrackSubscriber; stop: () => void } {
  const [publisher, root] = createTrack("secret video");
  let group = 0;
  const write = () => {
    if (publisher.isClosed) return;
    const segment = publisher.createSegment({ sequence: group++, priority: 1, expiresMs: 2_000 });
    segment.writeChunk(encoder.encode(SECRET));
    segment.close();
  };
  write();
  const timer = setInterval(write, 50);
  return {
    publisher,
    root,
    stop: () => {
      clearInterval(timer);
      publisher.close();
    },
  };
}

/** Reads `track` for `ms`: the object payloads that came (as text), and how it ended. */
async function drain(track: TrackSubscriber, ms: number, maxGroups = 5): Promise<{ objects: string[]; end: string }> {
  const objects: string[] = [];
  const deadline = delay(ms).then(() => "timeout" as const);
  for (let i = 0; i < maxGroups; i++) {
    const next = await Promise.race([
      track.nextSegment().then(
        (segment) => segment ?? ("ended" as const),
        (error: unknown) => (error instanceof CacheError ? `error ${error.wireCode}` : `error ${String(error)}`),
      ),
      deadline,
    ]);
    if (typeof next === "string") return { objects, end: next };
    for (let chunk = await next.readChunk(); chunk !== undefined; chunk = await next.readChunk())
      objects.push(decoder.decode(chunk));
    next.close();
  }
  return { objects, end: "more" };
}

/** Namespaces a watcher lists within `ms` (as "a/b" paths). */
async function listed(session: Session, prefix: string[], ms: number): Promise<string[] | number> {
  const watcher = session.subscribeNamespace(prefix);
  const reply = await withTimeout(outcome(watcher.ready), 3_000, "SUBSCRIBE_NAMESPACE reply");
  if (reply !== "ok") return reply;
  const seen: string[] = [];
  const stop = delay(ms).then(() => undefined);
  for (let i = 0; i < 32; i++) {
    const event = await Promise.race([watcher.next(), stop]);
    if (event === undefined) break;
    if (event.active) seen.push(event.namespace.map((field) => decoder.decode(field)).join("/"));
  }
  watcher.close();
  return seen.sort();
}

async function writeTemp(dir: string, name: string, text: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

Deno.test({
  name: "relay JWT (HS256): refusals with their codes, grants by namespace prefix, nothing leaks",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "moqkit-auth-test-" });
    const secret = randomSecret();
    const signer: SigningKey = { alg: "HS256", key: secret };
    const relay = await startRelay(["--jwt-key-file", await writeTemp(dir, "hs256.key", decoder.decode(secret))]);
    const sessions: Session[] = [];
    const sources: { stop: () => void }[] = [];
    const open = async (token: string, via: "setup" | "url" = "setup") => {
      const session =
        via === "setup"
          ? await moqConnect(relay, { authorizationToken: token })
          : await moqConnect(relay, {}, `/moq?jwt=${encodeURIComponent(token)}`);
      sessions.push(session);
      return session;
    };
    try {
      await t.step("says at startup what it enforces", async () => {
        await waitForLine(relay.lines, /^moqkit relay authorization: JWT HS256 verified with the key from file /);
      });

      await t.step("no token, an expired one, a wrong signature: the session is refused", async () => {
        assert.equal(await sessionOutcome(relay, undefined), SessionErrorCode.UNAUTHORIZED);
        const expired = await mint(signer, grant(["auth"], ["auth"]), -60);
        // Expired: the draft's EXPIRED_AUTH_TOKEN (0x18), so the client knows to get a new one.
        assert.equal(await sessionOutcome(relay, expired), SessionErrorCode.EXPIRED_AUTH_TOKEN);
        assert.equal(await sessionOutcome(relay, undefined, `/moq?jwt=${expired}`), "http 403");
        const forged = await mint({ alg: "HS256", key: randomSecret() }, grant([""], [""]));
        assert.equal(await sessionOutcome(relay, forged), SessionErrorCode.UNAUTHORIZED);
        assert.equal(await sessionOutcome(relay, undefined, `/moq?jwt=${forged}`), "http 403");
        // Another algorithm (ES256, its own key) is not accepted for an HS256 key.
        const { privateKey } = await generateKeyPair("ES256");
        const otherAlg = await mint({ alg: "ES256", key: privateKey }, grant([""], [""]));
        assert.equal(await sessionOutcome(relay, otherAlg), SessionErrorCode.UNAUTHORIZED);
        // A token without the "moqkit" grants, and one without exp.
        assert.equal(await sessionOutcome(relay, await mint(signer, { sub: "nobody" })), SessionErrorCode.UNAUTHORIZED);
        const noExp = await new SignJWT(grant([""], [""])).setProtectedHeader({ alg: "HS256" }).sign(secret);
        assert.equal(await sessionOutcome(relay, noExp), SessionErrorCode.UNAUTHORIZED);
        await waitForLine(relay.lines, /authorization refused from 127\.0\.0\.1: JWT expired/);
      });

      // One publisher of auth/live/cam (a broadcast whose objects are SECRET) for the steps below.
      const publisher = await open(await mint(signer, grant(["auth/live"], [])), "url");
      const source = secretSource();
      sources.push(source);
      const broadcast = publisher.publish(["auth", "live", "cam"]);
      broadcast.addTrack("video", source.root);

      await t.step("a good token publishes and reads within its grants (URL and CLIENT_SETUP)", async () => {
        assert.equal(await withTimeout(outcome(broadcast.ready), 3_000, "PUBLISH_NAMESPACE reply"), "ok");
        const viewer = await open(await mint(signer, grant([], ["auth/live"])));
        const { track, ready } = viewer.subscribe(["auth", "live", "cam"], "video");
        assert.equal(await withTimeout(outcome(ready), 3_000, "SUBSCRIBE reply"), "ok");
        const { objects } = await drain(track, 2_000, 2);
        assert.deepEqual(objects, [SECRET, SECRET]);
        track.close();
      });

      await t.step(
        "publishing outside the granted prefix: PUBLISH_NAMESPACE_ERROR / PUBLISH_ERROR UNAUTHORIZED",
        async () => {
          const outside = publisher.publish(["other", "cam"]);
          outside.addTrack("video", createTrack("x")[1]);
          assert.equal(
            await withTimeout(outcome(outside.ready), 3_000, "PUBLISH_NAMESPACE reply"),
            PublishNamespaceErrorCode.UNAUTHORIZED,
          );
          // A sibling whose name only starts like the grant is outside too ("auth/liveX" is not under "auth/live").
          const sibling = publisher.publish(["auth", "liveX"]);
          assert.equal(
            await withTimeout(outcome(sibling.ready), 3_000, "PUBLISH_NAMESPACE reply"),
            PublishNamespaceErrorCode.UNAUTHORIZED,
          );
          const [, root] = createTrack("pushed");
          assert.equal(
            await withTimeout(outcome(publisher.publishTrack(["other", "cam"], "video", root)), 3_000, "PUBLISH reply"),
            PublishErrorCode.UNAUTHORIZED,
          );
          assert.equal(publisher.isClosed, false, "a refused request leaves the session open");
        },
      );

      await t.step("a subscribe-only token publishing: UNAUTHORIZED, the live broadcast undisturbed", async () => {
        const reader = await open(await mint(signer, grant([], ["auth"])));
        const fake = reader.publish(["auth", "live", "fake"]);
        assert.equal(
          await withTimeout(outcome(fake.ready), 3_000, "PUBLISH_NAMESPACE reply"),
          PublishNamespaceErrorCode.UNAUTHORIZED,
        );
        const [, root] = createTrack("attacker");
        assert.equal(
          await withTimeout(outcome(reader.publishTrack(["auth", "live", "cam"], "video", root)), 3_000, "PUBLISH"),
          PublishErrorCode.UNAUTHORIZED,
        );
        const { track, ready } = reader.subscribe(["auth", "live", "cam"], "video");
        assert.equal(await withTimeout(outcome(ready), 3_000, "SUBSCRIBE reply"), "ok");
        assert.deepEqual((await drain(track, 2_000, 2)).objects, [SECRET, SECRET]);
        track.close();
      });

      await t.step(
        "a token for one namespace reading another: SUBSCRIBE/FETCH/TRACK_STATUS refused, no bytes",
        async () => {
          const stranger = await open(await mint(signer, grant(["auth/other"], ["auth/other"])));
          const { track, ready } = stranger.subscribe(["auth", "live", "cam"], "video");
          assert.equal(await withTimeout(outcome(ready), 3_000, "SUBSCRIBE reply"), SubscribeErrorCode.UNAUTHORIZED);
          const subscribed = await drain(track, 1_000);
          assert.deepEqual(subscribed.objects, [], "no object of the protected broadcast");
          assert.notEqual(subscribed.end, "more");
          const fetched = await drain(
            stranger.fetch(["auth", "live", "cam"], "video", {
              start: { group: 0, object: 0 },
              end: { group: 1_000, object: 0 },
            }),
            2_000,
          );
          assert.deepEqual(fetched.objects, [], "no object fetched");
          assert.equal(fetched.end, `error ${SubscribeErrorCode.UNAUTHORIZED}`);
          assert.equal(
            await withTimeout(outcome(stranger.trackStatus(["auth", "live", "cam"], "video")), 3_000, "TRACK_STATUS"),
            SubscribeErrorCode.UNAUTHORIZED,
          );
          // A publish-only token reads nothing either, not even what it publishes through the relay.
          const { ready: own } = publisher.subscribe(["auth", "live", "cam"], "video");
          assert.equal(await withTimeout(outcome(own), 3_000, "SUBSCRIBE reply"), SubscribeErrorCode.UNAUTHORIZED);
          await waitForLine(relay.lines, /^refused subscribe auth\/live\/cam: not granted$/);
        },
      );

      await t.step("listing: only granted namespaces are announced; a prefix wholly outside is refused", async () => {
        // auth/other/show, published by a token for auth/other; auth/live/cam is published above.
        const other = await open(await mint(signer, grant(["auth/other"], [])));
        const show = other.publish(["auth", "other", "show"]);
        show.addTrack("video", createTrack("show")[1]);
        assert.equal(await withTimeout(outcome(show.ready), 3_000, "PUBLISH_NAMESPACE reply"), "ok");
        const watcher = await open(await mint(signer, grant([], ["auth/other"])));
        assert.deepEqual(await listed(watcher, [], 500), ["auth/other/show"], "the empty prefix lists the grant only");
        assert.deepEqual(await listed(watcher, ["auth"], 500), ["auth/other/show"]);
        assert.equal(await listed(watcher, ["auth", "live"], 200), SubscribeNamespaceErrorCode.UNAUTHORIZED);
        assert.equal(await listed(watcher, ["elsewhere"], 200), SubscribeNamespaceErrorCode.UNAUTHORIZED);
        // A namespace published later is filtered the same way.
        const everything = await open(await mint(signer, grant([], [""])));
        const watching = everything.subscribeNamespace([]);
        const scoped = watcher.subscribeNamespace([]);
        await withTimeout(Promise.all([watching.ready, scoped.ready]), 3_000, "SUBSCRIBE_NAMESPACE_OK");
        const later = publisher.publish(["auth", "live", "later"]);
        await withTimeout(later.ready, 3_000, "PUBLISH_NAMESPACE_OK");
        const seenByAll: string[] = [];
        for (let i = 0; i < 8 && !seenByAll.includes("auth/live/later"); i++) {
          const event = await withTimeout(watching.next(), 3_000, "an announcement");
          if (event?.active === true) seenByAll.push(event.namespace.map((f) => decoder.decode(f)).join("/"));
        }
        assert.ok(seenByAll.includes("auth/live/later"), "a reader of everything is told");
        const scopedSeen: string[] = [];
        const stop = delay(500).then(() => undefined);
        for (let i = 0; i < 8; i++) {
          const event = await Promise.race([scoped.next(), stop]);
          if (event === undefined) break;
          scopedSeen.push(event.namespace.map((f) => decoder.decode(f)).join("/"));
        }
        assert.deepEqual(scopedSeen, ["auth/other/show"]);
        watching.close();
        scoped.close();
      });

      await t.step("a token that expires mid-session: new requests after exp are refused", async () => {
        const brief = await open(await mint(signer, grant([], ["auth/live"]), 3));
        const first = brief.subscribe(["auth", "live", "cam"], "video");
        assert.equal(await withTimeout(outcome(first.ready), 3_000, "SUBSCRIBE reply"), "ok");
        first.track.close();
        await delay(3_200);
        const after = brief.subscribe(["auth", "live", "cam"], "video");
        assert.equal(
          await withTimeout(outcome(after.ready), 3_000, "SUBSCRIBE reply"),
          SubscribeErrorCode.UNAUTHORIZED,
        );
        assert.deepEqual((await drain(after.track, 500)).objects, []);
      });
    } finally {
      for (const source of sources) source.stop();
      for (const session of sessions) session.close();
      await stopRelay(relay);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "relay JWT (ES256, PEM public key): a good token works; another key's or an HS256 token is refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "moqkit-auth-test-" });
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const signer: SigningKey = { alg: "ES256", key: privateKey };
    const relay = await startRelay(["--jwt-key-file", await writeTemp(dir, "es256.pem", await exportSPKI(publicKey))]);
    const source = secretSource();
    try {
      const publisher = await moqConnect(relay, { authorizationToken: await mint(signer, grant(["es"], [])) });
      const broadcast = publisher.publish(["es", "cam"]);
      broadcast.addTrack("video", source.root);
      assert.equal(await withTimeout(outcome(broadcast.ready), 3_000, "PUBLISH_NAMESPACE reply"), "ok");
      const token = await mint(signer, grant([], ["es/cam"]));
      const viewer = await moqConnect(relay, {}, `/moq?jwt=${token}`);
      const { track, ready } = viewer.subscribe(["es", "cam"], "video");
      assert.equal(await withTimeout(outcome(ready), 3_000, "SUBSCRIBE reply"), "ok");
      assert.deepEqual((await drain(track, 2_000, 2)).objects, [SECRET, SECRET]);
      track.close();

      const other = await generateKeyPair("ES256");
      const forged = await mint({ alg: "ES256", key: other.privateKey }, grant([""], [""]));
      assert.equal(await sessionOutcome(relay, forged), SessionErrorCode.UNAUTHORIZED);
      assert.equal(await sessionOutcome(relay, undefined, `/moq?jwt=${forged}`), "http 403");
      // HS256 "signed" with the public key's bytes (the classic algorithm confusion) is refused.
      const confused = await mint(
        { alg: "HS256", key: encoder.encode(await exportSPKI(publicKey)) },
        grant([""], [""]),
      );
      assert.equal(await sessionOutcome(relay, confused), SessionErrorCode.UNAUTHORIZED);
      publisher.close();
      viewer.close();
    } finally {
      source.stop();
      await stopRelay(relay);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Sends a raw CLIENT_SETUP carrying `tokens`; resolves with the close code, or "open" if the relay answered. */
async function rawSetup(relay: Relay, tokens: string[]): Promise<number | "open"> {
  const transport = await connect(`https://127.0.0.1:${relay.port}/moq`, { caCerts: [relay.pem] });
  await transport.ready;
  const stream = await transport.createBidirectionalStream();
  const writer = stream.writable.getWriter();
  await writer.write(
    encodeControlMessage({
      kind: "client_setup",
      versions: [DRAFT_14],
      parameters: tokens.map((token) => ({
        type: SetupParameter.AUTHORIZATION_TOKEN,
        value: encodeToken({ aliasType: TokenAliasType.USE_VALUE, tokenType: 0, value: encoder.encode(token) }),
      })),
    }),
  );
  const reader = stream.readable.getReader();
  // SERVER_SETUP's first bytes, or the relay's close (its control stream ends first, then the close).
  const read = await withTimeout(reader.read(), 5_000, "the relay's answer to CLIENT_SETUP").catch(() => undefined);
  if (read !== undefined && !read.done) {
    transport.close({ closeCode: 0, reason: "" });
    return "open";
  }
  const info = await withTimeout(transport.closed, 5_000, "the relay's close").catch(() => undefined);
  return info?.closeCode ?? -1;
}

Deno.test({
  name: "relay --token: constant-time check, one token per CLIENT_SETUP, failed attempts throttled per address",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const relay = await startRelay(["--token", "s3cret-token", "--auth-max-failures", "5"]);
    try {
      await t.step("the right token works in CLIENT_SETUP and the URL", async () => {
        assert.equal(await sessionOutcome(relay, "s3cret-token"), "ok");
        assert.equal(await sessionOutcome(relay, undefined, "/moq?token=s3cret-token"), "ok");
      });

      await t.step("only the first AUTHORIZATION TOKEN of a CLIENT_SETUP is considered", async () => {
        assert.equal(await rawSetup(relay, ["s3cret-token", "wrong-1"]), "open");
        assert.equal(await rawSetup(relay, ["wrong-2", "s3cret-token"]), SessionErrorCode.UNAUTHORIZED);
      });

      await t.step(
        "after 5 failed attempts the address is refused without checking, even the right token",
        async () => {
          // One failure so far (wrong-2). Four more guesses are checked...
          for (const guess of ["a", "b", "c", "d"])
            assert.equal(await sessionOutcome(relay, guess), SessionErrorCode.UNAUTHORIZED);
          // ...then every attempt is refused at once: 429 for a request, UNAUTHORIZED for CLIENT_SETUP.
          const started = Date.now();
          const tries = 20;
          for (let i = 0; i < tries; i++) {
            assert.equal(await sessionOutcome(relay, undefined, `/moq?token=guess${i}`), "http 429");
          }
          assert.equal(await sessionOutcome(relay, undefined, "/moq?token=s3cret-token"), "http 429");
          assert.equal(
            await sessionOutcome(relay, "s3cret-token"),
            "http 429",
            "CLIENT_SETUP's token is not looked at",
          );
          const perTry = (Date.now() - started) / (tries + 2);
          const checked = relay.lines.filter((line) =>
            /^authorization refused from .*: wrong token$/.test(line),
          ).length;
          assert.equal(checked, 5, "only the first 5 guesses were checked");
          console.log(`throttled: ${tries + 2} attempts refused with 429 in ${perTry.toFixed(1)} ms each; 5 checked`);
        },
      );
    } finally {
      await stopRelay(relay);
    }
  },
});
