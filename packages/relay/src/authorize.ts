// A static token check: ?token=TOKEN or Authorization: Bearer TOKEN, compared in constant time.
// The relay's own sessions are authorized by auth/relay-auth.ts (static token, JWT, failed-attempt
// limit per address); this stays for callers that check one static token on their own (echo.ts).
import { StaticToken } from "./auth/static-token.ts";

/** 200 when allowed; 401 when a token is required and missing; 403 when it is wrong. */
export function authorize(url: URL, headers: Headers, token: string | undefined): number {
  if (token === undefined) return 200;
  const given = url.searchParams.get("token") ?? headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  if (given === undefined || given === null || given === "") return 401;
  return new StaticToken(token).matches(given) ? 200 : 403;
}
