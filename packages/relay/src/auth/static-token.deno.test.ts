// The static token's comparison: digests compared with timingSafeEqual (constant time whatever the
// guess), text as UTF-8 and bytes exactly; authorize.ts answers with it.
import assert from "node:assert/strict";
import { authorize } from "../authorize.ts";
import { StaticToken } from "./static-token.ts";

Deno.test("StaticToken matches the token only: any other text, length or bytes is refused", () => {
  const token = new StaticToken("s3cret-token");
  assert.equal(token.matches("s3cret-token"), true);
  assert.equal(token.matches(new TextEncoder().encode("s3cret-token")), true);
  for (const guess of ["", "s", "s3cret-toke", "s3cret-tokenX", "S3cret-token", "x".repeat(10_000)])
    assert.equal(token.matches(guess), false, JSON.stringify(guess.slice(0, 20)));
  assert.equal(token.matches(Uint8Array.of(0x73, 0xff)), false);
});

Deno.test("StaticToken: non-UTF-8 bytes are not confused with their lossy decoding", () => {
  const token = new StaticToken("s\uFFFD");
  assert.equal(token.matches(Uint8Array.of(0x73, 0xff)), false);
  assert.equal(token.matches(new TextEncoder().encode("s\uFFFD")), true);
});

Deno.test("authorize(): 200 with no token configured, 401 missing, 403 wrong, 200 right (query or Bearer)", () => {
  const headers = new Headers();
  assert.equal(authorize(new URL("https://h/echo"), headers, undefined), 200);
  assert.equal(authorize(new URL("https://h/echo"), headers, "t0ken"), 401);
  assert.equal(authorize(new URL("https://h/echo?token=nope"), headers, "t0ken"), 403);
  assert.equal(authorize(new URL("https://h/echo?token=t0ken"), headers, "t0ken"), 200);
  assert.equal(authorize(new URL("https://h/echo"), new Headers({ authorization: "Bearer t0ken" }), "t0ken"), 200);
});
