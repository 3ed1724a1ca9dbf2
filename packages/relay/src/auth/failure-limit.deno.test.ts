// Failed attempts per client address: blocked after maxFailures within the window, free again once
// they leave it; other addresses unaffected; IPv4-mapped IPv6 counts as IPv4; memory bounded.
import assert from "node:assert/strict";
import { FailureLimit } from "./failure-limit.ts";

Deno.test("FailureLimit blocks an address after maxFailures in the window, until they age out", () => {
  let now = 1_000_000;
  const limit = new FailureLimit({ maxFailures: 3, windowMs: 10_000, now: () => now });
  for (let i = 0; i < 2; i++) limit.fail("192.0.2.1");
  assert.equal(limit.isBlocked("192.0.2.1"), false);
  limit.fail("::ffff:192.0.2.1");
  assert.equal(limit.isBlocked("192.0.2.1"), true, "the IPv4-mapped address is the same client");
  assert.equal(limit.isBlocked("192.0.2.2"), false, "another address is not affected");
  now += 9_999;
  assert.equal(limit.isBlocked("192.0.2.1"), true);
  now += 2;
  assert.equal(limit.isBlocked("192.0.2.1"), false, "the failures left the window");
});

Deno.test("FailureLimit remembers a bounded number of addresses", () => {
  const limit = new FailureLimit({ maxFailures: 1, windowMs: 60_000, maxAddresses: 100 });
  for (let i = 0; i < 1_000; i++) limit.fail(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(limit.isBlocked("10.0.3.231"), true, "the most recent is remembered");
  assert.equal(limit.isBlocked("10.0.0.0"), false, "the oldest were forgotten");
});
