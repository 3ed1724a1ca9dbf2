// JWT verification for the relay (jose): one key, HS256 (a shared secret) or ES256 (a P-256 public
// key), read from a file or an environment variable. Only that key's algorithm is accepted (no
// "none", no HS256 signed with an ES256 public key), and every token must carry `exp`.
import { errors, importJWK, importSPKI, type JWK, jwtVerify } from "jose";
import { GrantClaimError, type Grants, grantsFromClaims } from "./grants.ts";

export interface JwtKey {
  readonly algorithm: "HS256" | "ES256";
  readonly key: CryptoKey | Uint8Array;
  /** Where it came from, for the startup line (never the key itself). */
  readonly origin: string;
}

/** A key that cannot be used: the relay does not start. */
export class JwtKeyError extends Error {
  override readonly name = "JwtKeyError";
}

/** HS256 secrets shorter than this are refused (RFC 7518 3.2: at least the hash size). */
export const MIN_SECRET_BYTES = 32;

/**
 * Reads a key: a PEM SPKI public key ("-----BEGIN PUBLIC KEY-----") or a JWK (EC P-256 public key)
 * is ES256; a JWK of kty "oct", or any other text (the secret itself, a trailing newline dropped),
 * is HS256.
 */
export async function parseJwtKey(text: string, origin: string): Promise<JwtKey> {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN PUBLIC KEY-----")) {
    return { algorithm: "ES256", key: await importSPKI(trimmed, "ES256"), origin };
  }
  if (trimmed.startsWith("-----BEGIN")) {
    throw new JwtKeyError(`${origin}: give the ES256 public key as PEM "BEGIN PUBLIC KEY" (SPKI) or a JWK`);
  }
  if (trimmed.startsWith("{")) return await jwkKey(trimmed, origin);
  const secret = new TextEncoder().encode(text.replace(/\r?\n$/, ""));
  if (secret.length < MIN_SECRET_BYTES) {
    throw new JwtKeyError(`${origin}: an HS256 secret needs at least ${MIN_SECRET_BYTES} bytes`);
  }
  return { algorithm: "HS256", key: secret, origin };
}

async function jwkKey(text: string, origin: string): Promise<JwtKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new JwtKeyError(`${origin}: not a JSON Web Key`);
  }
  if (jwk.kty === "EC" && jwk.crv === "P-256") {
    if (jwk.d !== undefined) throw new JwtKeyError(`${origin}: give the public key (this JWK holds the private "d")`);
    return { algorithm: "ES256", key: await importJWK({ ...jwk, alg: "ES256" }, "ES256"), origin };
  }
  if (jwk.kty === "oct" && typeof jwk.k === "string") {
    const key = await importJWK({ ...jwk, alg: "HS256" }, "HS256");
    const length = key instanceof Uint8Array ? key.length : MIN_SECRET_BYTES;
    if (length < MIN_SECRET_BYTES) {
      throw new JwtKeyError(`${origin}: an HS256 secret needs at least ${MIN_SECRET_BYTES} bytes`);
    }
    return { algorithm: "HS256", key, origin };
  }
  throw new JwtKeyError(`${origin}: a JWK must be EC P-256 (ES256) or oct (HS256)`);
}

/** Reads the key from a file (--jwt-key-file). */
export async function readJwtKeyFile(path: string): Promise<JwtKey> {
  return await parseJwtKey(await Deno.readTextFile(path), `file ${path}`);
}

/** Reads the key from an environment variable (--jwt-key-env; deno run --allow-env=NAME). */
export async function readJwtKeyEnv(name: string): Promise<JwtKey> {
  const text = Deno.env.get(name);
  if (text === undefined || text === "") throw new JwtKeyError(`environment variable ${name} is not set`);
  return await parseJwtKey(text, `environment variable ${name}`);
}

export type JwtVerdict = { ok: true; grants: Grants } | { ok: false; reason: "expired" | "invalid"; detail: string };

/** Three base64url parts: what a compact JWS looks like (so a static token is not sent to jose). */
export function looksLikeJwt(text: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
}

/** Verifies `token` with `key`: signature, algorithm, `exp` (required), `nbf`; then the grant claim. */
export async function verifyJwt(token: string, key: JwtKey, now = Date.now()): Promise<JwtVerdict> {
  try {
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: [key.algorithm],
      requiredClaims: ["exp"],
      currentDate: new Date(now),
    });
    return { ok: true, grants: grantsFromClaims(payload) };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: "expired", detail: "the token has expired" };
    if (error instanceof GrantClaimError) return { ok: false, reason: "invalid", detail: error.message };
    if (error instanceof errors.JOSEError) return { ok: false, reason: "invalid", detail: error.code };
    return { ok: false, reason: "invalid", detail: "not a valid token" };
  }
}
