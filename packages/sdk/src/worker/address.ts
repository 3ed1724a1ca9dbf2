// Where a broadcast is: a relay URL, the relay's certificate hashes, and the broadcast's path. The
// publisher and the player take the same three options and check them alike; each throws its own
// error type, through `fail`.

/** Throws the caller's error with this message. */
export type Fail = (message: string) => never;

/** The broadcast path as a namespace: "a/b/name" → ["a", "b", "name"]. */
export function broadcastNamespace(name: string, fail: Fail): string[] {
  const fields = name.split("/");
  if (fields.length > 32 || fields.some((field) => field === "")) {
    fail(`name must be a path of 1..32 non-empty parts separated by "/", got ${JSON.stringify(name)}`);
  }
  return fields;
}

/** Checks `relay`, `certificateHashes` and `name` of an options object as the page passed it. */
export function checkBroadcastAddress(fields: Record<string, unknown>, fail: Fail): void {
  if (typeof fields.relay !== "string" || !/^https?:\/\/[^/]/.test(fields.relay)) {
    fail("relay must be an http:// or https:// URL");
  }
  try {
    new URL(fields.relay);
  } catch {
    fail(`relay is not a URL: ${fields.relay}`);
  }
  const hashes = fields.certificateHashes;
  if (
    hashes !== undefined &&
    (!Array.isArray(hashes) ||
      hashes.length > 16 ||
      hashes.some((hash) => typeof hash !== "string" || !/^[0-9a-fA-F]{64}$/.test(hash)))
  ) {
    fail("certificateHashes must be up to 16 hex SHA-256 hashes");
  }
  if (typeof fields.name !== "string") fail("name must be a string");
  broadcastNamespace(fields.name, fail);
}
