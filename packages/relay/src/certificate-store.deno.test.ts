// The relay keeps its generated certificate across restarts (issue 11, item 11): a client that
// pinned the hash can reconnect to a restarted relay. The key and certificate live in --state-dir;
// one that has expired, or is near its end, or is unreadable, is replaced by a new one.
import assert from "node:assert/strict";
import { startRelay, stopRelay } from "./relay-process.ts";
import { type Certificate, generateCertificate, loadCertificate } from "./webtransport/certificate.ts";

const DAY_MS = 86_400_000;
const STORE_FILE = "certificate-and-key.pem";

function hashOf(relay: { lines: string[] }): string {
  const banner = relay.lines.find((line) => line.startsWith("moqkit relay listening "));
  const match = /certificate-sha256=([0-9a-f]{64})$/.exec(banner ?? "");
  assert.ok(match, `no hash in the banner: ${banner}`);
  return match[1] as string;
}

async function stored(dir: string): Promise<Certificate> {
  const text = await Deno.readTextFile(`${dir}/${STORE_FILE}`);
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
  assert.ok(cert !== undefined && key !== undefined, "the stored file holds a certificate and its key");
  return await loadCertificate(cert, key);
}

async function withStateDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "moqkit-relay-state-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function restartHash(dir: string): Promise<string> {
  const relay = await startRelay(["--state-dir", dir]);
  try {
    return hashOf(relay);
  } finally {
    await stopRelay(relay);
  }
}

Deno.test("a restarted relay with the same --state-dir serves the same certificate", async () => {
  await withStateDir(async (dir) => {
    const first = await restartHash(dir);
    const second = await restartHash(dir);
    assert.equal(second, first, "the certificate hash after a restart");
    assert.equal((await stored(dir)).sha256Hex, first);
    const mode = (await Deno.stat(`${dir}/${STORE_FILE}`)).mode;
    if (mode !== null) assert.equal(mode & 0o077, 0, `the key file is private (mode ${mode.toString(8)})`);
    // Another state dir is another certificate.
    await withStateDir(async (other) => assert.notEqual(await restartHash(other), first));
  });
});

for (const [what, ageDays] of [
  ["near its end (1 day left of 10)", 9],
  ["expired", 20],
] as const) {
  Deno.test(`a stored certificate ${what} is replaced by a new one, which is stored`, async () => {
    await withStateDir(async (dir) => {
      const old = await generateCertificate({ now: new Date(Date.now() - ageDays * DAY_MS) });
      await Deno.writeTextFile(`${dir}/${STORE_FILE}`, `${old.certPem}\n${old.keyPem}\n`);
      const hash = await restartHash(dir);
      assert.notEqual(hash, old.sha256Hex);
      const renewed = await stored(dir);
      assert.equal(renewed.sha256Hex, hash, "the new certificate is stored");
      assert.ok(renewed.notAfter.getTime() - Date.now() > 5 * DAY_MS, "the new certificate has days ahead");
      assert.equal(await restartHash(dir), hash, "and kept at the next restart");
    });
  });
}

Deno.test("an unreadable stored certificate is replaced, and the relay starts", async () => {
  await withStateDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/${STORE_FILE}`, "-----BEGIN CERTIFICATE-----\nnot base64\n");
    const hash = await restartHash(dir);
    assert.equal((await stored(dir)).sha256Hex, hash);
  });
});

Deno.test("without write permission for the state dir the relay still starts, with a certificate of its own", async () => {
  await withStateDir(async (dir) => {
    const relay = await startRelay(["--state-dir", dir], { allowWrite: false });
    try {
      assert.match(hashOf(relay), /^[0-9a-f]{64}$/);
      assert.ok(
        relay.lines.some((line) => /not kept across restarts/.test(line)),
        relay.lines.join("\n"),
      );
    } finally {
      await stopRelay(relay);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
  });
});
