// Where a session request carries its token (?token=TOKEN or Authorization: Bearer TOKEN), and a
// static token check on it, compared in constant time. The relay's own sessions are authorized by
// auth/relay-auth.ts (static token, JWT, failed-attempt limit per address), which reads the token here.
import { StaticToken } from "./auth/static-token.ts";

/** 200 when allowed; 401 when a token is required and missing; 403 when it is wrong. */
export function authorize(url: URL, headers: Headers, token: string | undefined): number {
  if (token === undefined) return 200;
  const given = requestToken(url, headers);
  if (given === undefined || given === "") return 401;
  return new StaticToken(token).matches(given) ? 200 : 403;
}

/** The token a session request carries: `?token=`, else `Authorization: Bearer`; undefined if neither. */
export function requestToken(url: URL, headers: Headers): string | undefined {
  return url.searchParams.get("token") ?? headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? undefined;
}
