// JWT keys (HS256 secret, ES256 PEM or JWK; from text or an environment variable) and verification.
import assert from "node:assert/strict";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { JwtKeyError, looksLikeJwt, parseJwtKey, readJwtKeyEnv, verifyJwt } from "./jwt.ts";

const claims = { moqkit: { publish: ["a"], subscribe: ["a"] } };
const exp = () => Math.floor(Date.now() / 1000) + 60;

Deno.test("parseJwtKey: ES256 from PEM SPKI and from a public JWK; private keys refused", async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256" })
    .setExpirationTime(exp())
    .sign(privateKey);
  for (const text of [await exportSPKI(publicKey), JSON.stringify(await exportJWK(publicKey))]) {
    const key = await parseJwtKey(text, "test");
    assert.equal(key.algorithm, "ES256");
    const verdict = await verifyJwt(token, key);
    assert.equal(verdict.ok, true);
  }
  await assert.rejects(parseJwtKey(JSON.stringify(await exportJWK(privateKey)), "test"), JwtKeyError);
  await assert.rejects(
    parseJwtKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "test"),
    JwtKeyError,
  );
});

Deno.test("parseJwtKey: HS256 from the secret's text (32 bytes at least) or an oct JWK", async () => {
  const secret = "0123456789abcdef0123456789abcdef";
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(exp())
    .sign(new TextEncoder().encode(secret));
  const fromText = await parseJwtKey(`${secret}\n`, "test");
  assert.equal(fromText.algorithm, "HS256");
  assert.equal((await verifyJwt(token, fromText)).ok, true);
  const k = btoa(secret).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const fromJwk = await parseJwtKey(JSON.stringify({ kty: "oct", k }), "test");
  assert.equal((await verifyJwt(token, fromJwk)).ok, true);
  await assert.rejects(parseJwtKey("short", "test"), JwtKeyError);
});

Deno.test("readJwtKeyEnv reads the key from the environment", async () => {
  const name = "MOQKIT_TEST_JWT_KEY";
  Deno.env.set(name, "an HS256 secret of more than thirty-two bytes");
  try {
    assert.equal((await readJwtKeyEnv(name)).algorithm, "HS256");
  } finally {
    Deno.env.delete(name);
  }
  await assert.rejects(readJwtKeyEnv(name), JwtKeyError);
});

Deno.test("verifyJwt: expired, missing exp, wrong key, alg none, garbage", async () => {
  const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef");
  const key = await parseJwtKey("0123456789abcdef0123456789abcdef", "test");
  const sign = (builder: SignJWT, with_ = secret) => builder.setProtectedHeader({ alg: "HS256" }).sign(with_);
  const expired = await sign(new SignJWT(claims).setExpirationTime(Math.floor(Date.now() / 1000) - 1));
  assert.deepEqual((await verifyJwt(expired, key)).ok, false);
  assert.equal(((await verifyJwt(expired, key)) as { reason: string }).reason, "expired");
  assert.equal((await verifyJwt(await sign(new SignJWT(claims)), key)).ok, false, "exp is required");
  const other = new TextEncoder().encode("another secret, another secret!!");
  assert.equal((await verifyJwt(await sign(new SignJWT(claims).setExpirationTime(exp()), other), key)).ok, false);
  const header = btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "");
  const body = btoa(JSON.stringify({ ...claims, exp: exp() })).replace(/=+$/, "");
  assert.equal((await verifyJwt(`${header}.${body}.`, key)).ok, false, "alg none");
  assert.equal((await verifyJwt("not.a.jwt", key)).ok, false);
  assert.equal(looksLikeJwt("s3cret-token"), false);
  assert.equal(looksLikeJwt(expired), true);
});
