// The relay's authorization: who may open a session (a static --token, or a JWT signed with the
// configured key), and what each session may publish and read (its grants, kept per Session and
// asked by the router through permits()). With neither a token nor a key, the relay is open.
//
// Where credentials come from, first found wins:
//   - the session request: ?jwt=JWT, ?token=TOKEN, or "Authorization: Bearer X" (X is compared
//     with the static token, else verified as a JWT). Refused with 403 (429 when the address has
//     failed too often); none at all (401) leaves it to CLIENT_SETUP;
//   - CLIENT_SETUP's AUTHORIZATION TOKEN: the first one only (the others are ignored, so one
//     CLIENT_SETUP is one guess); refused with the session error UNAUTHORIZED (0x2), or
//     EXPIRED_AUTH_TOKEN (0x18) for a good JWT past its `exp`.
import type { Session, SessionHandler } from "@moqkit/sdk/session";
import { ProtocolViolation, SessionErrorCode } from "@moqkit/sdk/wire";
import { requestToken } from "../authorize.ts";
import type { Permits } from "../moq/router.ts";
import { FailureLimit, type FailureLimitOptions } from "./failure-limit.ts";
import { ALL_GRANTS, type Grants, mayList, permits } from "./grants.ts";
import { type JwtKey, looksLikeJwt, verifyJwt } from "./jwt.ts";
import { StaticToken } from "./static-token.ts";

export interface RelayAuthOptions {
  /** A static token that grants everything (--token). */
  token?: string;
  /** The key JWTs are verified with (--jwt-key-file, --jwt-key-env). */
  jwtKey?: JwtKey;
  failureLimit?: FailureLimitOptions;
  /** The clock (ms), for tests. */
  now?: () => number;
  log?: (line: string) => void;
}

/** The answer to a session request, from what its URL and headers carry. */
export type RequestVerdict =
  | { status: 200; grants: Grants }
  /** No credentials in the request: CLIENT_SETUP may bring a token. */
  | { status: 401 }
  | { status: 403 | 429; reason: string };

const decoder = new TextDecoder();

/** A JWT that was good but is past its `exp`: CLIENT_SETUP says so with its own error code. */
const EXPIRED = Symbol("expired");

/** Grants, or none (an expired token grants nothing either). */
function orNothing(grants: Grants | typeof EXPIRED | undefined): Grants | undefined {
  return grants === EXPIRED ? undefined : grants;
}

export class RelayAuth {
  readonly #token: StaticToken | undefined;
  readonly #jwtKey: JwtKey | undefined;
  readonly #limit: FailureLimit;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  readonly #grants = new WeakMap<Session, Grants>();

  constructor(options: RelayAuthOptions = {}) {
    this.#token = options.token === undefined ? undefined : new StaticToken(options.token);
    this.#jwtKey = options.jwtKey;
    this.#limit = new FailureLimit({ now: options.now, ...options.failureLimit });
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => {});
  }

  /** No token and no key: every session may do everything (the development default). */
  get isOpen(): boolean {
    return this.#token === undefined && this.#jwtKey === undefined;
  }

  /** One line for the startup log: what is enforced. */
  describe(): string {
    if (this.isOpen) {
      return "moqkit relay authorization: none (no --token, no --jwt-key-file/--jwt-key-env): the relay is open, anyone may publish and subscribe anything (development default)";
    }
    const ways = [
      ...(this.#jwtKey === undefined
        ? []
        : [`JWT ${this.#jwtKey.algorithm} verified with the key from ${this.#jwtKey.origin}`]),
      ...(this.#token === undefined ? [] : ["a static --token"]),
    ];
    return `moqkit relay authorization: ${ways.join(" or ")}; ${this.#limit.maxFailures} failed attempts per address per ${this.#limit.windowMs} ms`;
  }

  /** Checks the credentials of a session request (URL query, Authorization header). */
  async checkRequest(url: URL, headers: Headers, address: string): Promise<RequestVerdict> {
    if (this.isOpen) return { status: 200, grants: ALL_GRANTS };
    if (this.#limit.isBlocked(address)) return { status: 429, reason: "too many failed attempts" };
    const jwt = url.searchParams.get("jwt");
    const token = requestToken(url, headers);
    let grants: Grants | undefined;
    if (jwt !== null && jwt !== "") grants = orNothing(await this.#checkJwt(jwt, address));
    else if (token !== undefined && token !== "") grants = orNothing(await this.#check(token, address));
    else return { status: 401 };
    return grants === undefined ? { status: 403, reason: "unauthorized" } : { status: 200, grants };
  }

  /** Checks CLIENT_SETUP's AUTHORIZATION TOKEN values: the first one only. */
  async checkSetup(tokens: readonly Uint8Array[], address: string): Promise<Grants | undefined> {
    if (this.isOpen) return ALL_GRANTS;
    if (this.#limit.isBlocked(address)) {
      this.#log(`authorization refused from ${address}: too many failed attempts`);
      return undefined;
    }
    const first = tokens[0];
    if (first === undefined) return undefined;
    if (this.#token?.matches(first) === true) return ALL_GRANTS;
    const grants = await this.#check(decoder.decode(first), address, true);
    // The draft's own session error for a token past its time (EXPIRED_AUTH_TOKEN, 0x18), so a client
    // knows to fetch a new one rather than give up; anything else is UNAUTHORIZED (0x2).
    if (grants === EXPIRED) throw new ProtocolViolation(SessionErrorCode.EXPIRED_AUTH_TOKEN, "the token has expired");
    return grants;
  }

  /** The static token, else a JWT. */
  async #check(given: string, address: string, staticChecked = false): Promise<Grants | typeof EXPIRED | undefined> {
    if (!staticChecked && this.#token?.matches(given) === true) return ALL_GRANTS;
    if (this.#jwtKey !== undefined && looksLikeJwt(given)) return await this.#checkJwt(given, address);
    this.#refused(address, "wrong token");
    return undefined;
  }

  async #checkJwt(jwt: string, address: string): Promise<Grants | typeof EXPIRED | undefined> {
    if (this.#jwtKey === undefined) {
      this.#refused(address, "a JWT, but no JWT key is configured");
      return undefined;
    }
    const verdict = await verifyJwt(jwt, this.#jwtKey, this.#now());
    if (verdict.ok) return verdict.grants;
    this.#refused(address, `JWT ${verdict.reason}: ${verdict.detail}`);
    return verdict.reason === "expired" ? EXPIRED : undefined;
  }

  #refused(address: string, why: string): void {
    this.#limit.fail(address);
    this.#log(`authorization refused from ${address}: ${why}`);
  }

  /** The router's permits hook: what `session`'s grants allow now. A session without grants may do nothing. */
  readonly permits: Permits = (session, action, namespace) => {
    const grants = this.#grants.get(session);
    if (grants === undefined) return false;
    const now = this.#now();
    return action === "list" ? mayList(grants, namespace, now) : permits(grants, action, namespace, now);
  };

  /**
   * `handler` with `grants()` attached to each session before any of its hooks runs. The grants are
   * known before the Session exists (from the request, or CLIENT_SETUP, which is checked before it is
   * made), so the first request of a session already meets them.
   */
  bind(handler: SessionHandler, grants: () => Grants | undefined): SessionHandler {
    if (this.isOpen) return handler;
    const attach = (session: Session) => {
      if (this.#grants.has(session)) return;
      const given = grants();
      if (given !== undefined) this.#grants.set(session, given);
    };
    const bound: SessionHandler = {};
    for (const key of Object.keys(handler) as (keyof SessionHandler)[]) {
      const hook = handler[key] as ((session: Session, ...args: unknown[]) => unknown) | undefined;
      if (hook === undefined) continue;
      (bound as Record<string, unknown>)[key] = (session: Session, ...args: unknown[]) => {
        attach(session);
        return hook.call(handler, session, ...args);
      };
    }
    return bound;
  }
}
