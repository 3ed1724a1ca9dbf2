// The relay's optional token check: ?token=TOKEN or Authorization: Bearer TOKEN.

/** 200 when allowed; 401 when a token is required and missing; 403 when it is wrong. */
export function authorize(url: URL, headers: Headers, token: string | undefined): number {
  if (token === undefined) return 200;
  const given = url.searchParams.get("token") ?? headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  if (given === undefined || given === null || given === "") return 401;
  return given === token ? 200 : 403;
}
