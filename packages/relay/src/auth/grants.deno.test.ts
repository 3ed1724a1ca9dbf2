// The "moqkit" claim: prefixes as namespace tuples, field by field; expiry; listing overlaps.
import assert from "node:assert/strict";
import { GrantClaimError, grantsFromClaims, mayList, permits, prefixOf } from "./grants.ts";

const ns = (...fields: string[]) => fields.map((field) => new TextEncoder().encode(field));

Deno.test("prefixOf: a path string splits on '/', an array is the tuple itself", () => {
  assert.deepEqual(prefixOf("demo/cam1"), ns("demo", "cam1"));
  assert.deepEqual(prefixOf("/demo/"), ns("demo"));
  assert.deepEqual(prefixOf(""), []);
  assert.deepEqual(prefixOf(["a/b", "c"]), ns("a/b", "c"));
  assert.throws(() => prefixOf(3), GrantClaimError);
});

Deno.test("permits: a prefix covers itself and what is under it, not a longer field", () => {
  const grants = grantsFromClaims({ moqkit: { publish: ["demo"], subscribe: ["demo/cam1", ["x/y"]] } });
  const now = Date.now();
  assert.equal(permits(grants, "publish", ns("demo"), now), true);
  assert.equal(permits(grants, "publish", ns("demo", "cam1", "hd"), now), true);
  assert.equal(permits(grants, "publish", ns("demonstration"), now), false);
  assert.equal(permits(grants, "subscribe", ns("demo"), now), false);
  assert.equal(permits(grants, "subscribe", ns("demo", "cam1"), now), true);
  assert.equal(permits(grants, "subscribe", ns("x/y", "z"), now), true);
  assert.equal(permits(grants, "subscribe", ns("x", "y"), now), false);
});

Deno.test("mayList: a prefix above or within a grant, not one beside it", () => {
  const grants = grantsFromClaims({ moqkit: { subscribe: ["a/b"] } });
  const now = Date.now();
  assert.equal(mayList(grants, [], now), true);
  assert.equal(mayList(grants, ns("a"), now), true);
  assert.equal(mayList(grants, ns("a", "b", "c"), now), true);
  assert.equal(mayList(grants, ns("a", "c"), now), false);
  assert.equal(mayList(grants, ns("b"), now), false);
});

Deno.test("expiry: nothing is permitted from exp on", () => {
  const exp = Math.floor(Date.now() / 1000) + 10;
  const grants = grantsFromClaims({ moqkit: { publish: [""], subscribe: [""] }, exp });
  assert.equal(permits(grants, "publish", ns("a"), exp * 1000 - 1), true);
  assert.equal(permits(grants, "publish", ns("a"), exp * 1000), false);
  assert.equal(mayList(grants, [], exp * 1000), false);
});

Deno.test("a claim that grants nothing, or is malformed, is refused", () => {
  for (const payload of [
    {},
    { moqkit: "all" },
    { moqkit: {} },
    { moqkit: { publish: "demo" } },
    { moqkit: { subscribe: [1] } },
    { moqkit: { publish: new Array(65).fill("a") } },
  ])
    assert.throws(() => grantsFromClaims(payload), GrantClaimError, JSON.stringify(payload).slice(0, 60));
});
