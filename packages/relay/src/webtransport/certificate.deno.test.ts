// The relay certificate, checked by outside judges: openssl parses and verifies it, and Deno's own
// QUIC stack (rustls) completes a handshake with it. Run by `deno test --allow-all`.
import assert from "node:assert/strict";
import { type Certificate, generateCertificate, loadCertificate, needsRenewal, sha256Hex } from "./certificate.ts";
import * as der from "./der.ts";

const OPENSSL = "/usr/bin/openssl";
const DAY_MS = 86_400_000;
const QUIC_TIMEOUT_MS = 5_000;
const CHILD_TEST_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface CommandResult {
  success: boolean;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], cwd: string): Promise<CommandResult> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { success: output.success, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

async function openssl(args: string[], cwd: string): Promise<string> {
  const result = await run(OPENSSL, args, cwd);
  assert.ok(result.success, `openssl ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "moqkit-cert-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The certificate's three top-level parts, split with our own decoder. */
function splitCertificate(certificateDer: Uint8Array): { tbs: Uint8Array; signature: Uint8Array } {
  const [tbs, , signatureValue] = der.decodeChildren(der.decode(certificateDer));
  assert.ok(tbs && signatureValue);
  return { tbs: tbs.encoded, signature: der.decodeBitString(signatureValue).bytes };
}

/** Has openssl check the ECDSA signature over the TBS bytes with the certificate's own public key. */
async function opensslVerifiesSignature(dir: string, certificate: Certificate, tbs: Uint8Array): Promise<boolean> {
  await Deno.writeTextFile(`${dir}/cert.pem`, certificate.certPem);
  await Deno.writeTextFile(`${dir}/pub.pem`, await openssl(["x509", "-in", "cert.pem", "-noout", "-pubkey"], dir));
  await Deno.writeFile(`${dir}/tbs.der`, tbs);
  await Deno.writeFile(`${dir}/sig.der`, splitCertificate(certificate.der).signature);
  const args = ["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "tbs.der"];
  const result = await run(OPENSSL, args, dir);
  return result.success && result.stdout.includes("Verified OK");
}

// ---------------------------------------------------------------------------------------------
// 1. openssl's view of the certificate
// ---------------------------------------------------------------------------------------------

Deno.test("openssl parses the certificate: P-256, CA:FALSE, SANs, v3 extensions", async () => {
  const certificate = await generateCertificate();
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/cert.pem`, certificate.certPem);
    const text = await openssl(["x509", "-in", "cert.pem", "-noout", "-text"], dir);
    for (const expected of [
      "Version: 3 (0x2)",
      "Signature Algorithm: ecdsa-with-SHA256",
      "Issuer: CN = moqkit local relay",
      "Subject: CN = moqkit local relay",
      "Public Key Algorithm: id-ecPublicKey",
      "Public-Key: (256 bit)",
      "ASN1 OID: prime256v1",
      "X509v3 Basic Constraints: critical",
      "CA:FALSE",
      "X509v3 Key Usage: critical",
      "Digital Signature",
      "TLS Web Server Authentication",
      "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
      "X509v3 Subject Key Identifier",
    ]) {
      assert.ok(text.includes(expected), `openssl output lacks "${expected}":\n${text}`);
    }
    // The serial is positive and exactly 16 bytes.
    const serial = await openssl(["x509", "-in", "cert.pem", "-noout", "-serial"], dir);
    assert.match(serial.trim(), /^serial=[0-7][0-9A-F]{31}$/);
  });
});

Deno.test("openssl reads validity under 14 days, matching notBefore/notAfter", async () => {
  const now = new Date("2030-06-01T12:00:00.750Z");
  const certificate = await generateCertificate({ now });
  assert.equal(certificate.notBefore.toISOString(), "2030-06-01T11:00:00.000Z");
  assert.equal(certificate.notAfter.toISOString(), "2030-06-11T11:00:00.000Z");
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/cert.pem`, certificate.certPem);
    const dates = await openssl(
      ["x509", "-in", "cert.pem", "-noout", "-startdate", "-enddate", "-dateopt", "iso_8601"],
      dir,
    );
    const field = (name: string) =>
      new Date(
        dates
          .match(new RegExp(`${name}=(\\S+) (\\S+)`))
          ?.slice(1)
          .join("T") ?? "",
      );
    assert.equal(field("notBefore").getTime(), certificate.notBefore.getTime());
    assert.equal(field("notAfter").getTime(), certificate.notAfter.getTime());
    assert.ok(field("notAfter").getTime() - field("notBefore").getTime() < 14 * DAY_MS);
  });
});

Deno.test("openssl verifies the self-signature, and rejects a tampered one", async () => {
  const certificate = await generateCertificate();
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/cert.pem`, certificate.certPem);
    // Plain `openssl verify` does not check a trust anchor's self-signature; -check_ss_sig does.
    const verified = await openssl(["verify", "-check_ss_sig", "-CAfile", "cert.pem", "cert.pem"], dir);
    assert.equal(verified.trim(), "cert.pem: OK");

    const { tbs } = splitCertificate(certificate.der);
    assert.ok(await opensslVerifiesSignature(dir, certificate, tbs));
    const tampered = tbs.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    assert.equal(await opensslVerifiesSignature(dir, certificate, tampered), false);
  });
});

Deno.test("ECDSA r and s are valid DER integers across many signatures", async () => {
  // Half of all r and s values have the top bit set (need a 0x00 octet), 1 in 256 a leading zero.
  await withTempDir(async (dir) => {
    for (let attempt = 0; attempt < 24; attempt++) {
      const certificate = await generateCertificate();
      const { tbs } = splitCertificate(certificate.der);
      assert.ok(await opensslVerifiesSignature(dir, certificate, tbs), `signature ${attempt} did not verify`);
    }
  });
});

Deno.test("sha256Hex is the SHA-256 of the DER certificate, as openssl and sha256sum see it", async () => {
  const certificate = await generateCertificate();
  assert.match(certificate.sha256Hex, /^[0-9a-f]{64}$/);
  assert.equal(await sha256Hex(certificate.der), certificate.sha256Hex);
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/cert.pem`, certificate.certPem);
    await openssl(["x509", "-in", "cert.pem", "-outform", "der", "-out", "cert.der"], dir);
    assert.deepEqual(await Deno.readFile(`${dir}/cert.der`), certificate.der);
    const sum = await run("sha256sum", ["cert.der"], dir);
    assert.ok(sum.success, sum.stderr);
    assert.equal(sum.stdout.split(" ")[0], certificate.sha256Hex);
  });
});

Deno.test("custom hostnames and addresses, IPv6 as 16 bytes, GeneralizedTime after 2049", async () => {
  const certificate = await generateCertificate({
    hostnames: ["relay.test", "localhost"],
    addresses: ["10.1.2.3", "2001:db8::42", "::ffff:192.0.2.1", "fe80:0:0:0:0:0:0:1"],
    validityDays: 1,
    now: new Date("2050-01-01T00:30:00Z"), // notBefore is in 2049 (UTCTime), notAfter in 2050
  });
  assert.equal(certificate.notAfter.getTime() - certificate.notBefore.getTime(), DAY_MS);
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/cert.pem`, certificate.certPem);
    const text = await openssl(["x509", "-in", "cert.pem", "-noout", "-text"], dir);
    const expected =
      "DNS:relay.test, DNS:localhost, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:42, " +
      "IP Address:0:0:0:0:0:FFFF:C000:201, IP Address:FE80:0:0:0:0:0:0:1";
    assert.ok(text.includes(expected), text);
    assert.ok(text.includes("Not Before: Dec 31 23:30:00 2049 GMT"), text);
    assert.ok(text.includes("Not After : Jan  1 23:30:00 2050 GMT"), text);
  });
  const loaded = await loadCertificate(certificate.certPem, certificate.keyPem);
  assert.equal(loaded.notBefore.getTime(), certificate.notBefore.getTime());
  assert.equal(loaded.notAfter.getTime(), certificate.notAfter.getTime());
});

Deno.test("invalid names and addresses are refused", async () => {
  for (const address of ["1.2.3", "256.1.1.1", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", "::1%eth0", "[::1]"]) {
    await assert.rejects(generateCertificate({ addresses: [address] }), /invalid IP address/, address);
  }
  await assert.rejects(generateCertificate({ hostnames: ["bad host"] }), /invalid DNS name/);
  await assert.rejects(generateCertificate({ hostnames: [], addresses: [] }), /at least one/);
});

// ---------------------------------------------------------------------------------------------
// 2. The real proof: Deno's QUIC client (rustls) accepts it
// ---------------------------------------------------------------------------------------------

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return der.concatBytes(...chunks);
}

/** Accepts one connection, echoes its first bidirectional stream, then waits for the client to close. */
async function serveOneEcho(listener: Deno.QuicListener): Promise<void> {
  const conn = await listener.accept();
  try {
    const reader = conn.incomingBidirectionalStreams.getReader();
    const { value: stream } = await reader.read();
    reader.releaseLock();
    if (stream === undefined) return;
    const received = await readAll(stream.readable);
    const writer = stream.writable.getWriter();
    await writer.write(received);
    await writer.close();
    await conn.closed;
  } finally {
    conn.close();
  }
}

interface ClientTarget {
  hostname: string;
  serverName?: string;
  caCerts: string[];
}

/** Runs a QUIC server with `certificate` and connects a client to it; everything is closed after. */
async function withQuicServer(
  certificate: Certificate,
  body: (port: number, served: Promise<void>) => Promise<void>,
): Promise<void> {
  const serverEndpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = serverEndpoint.listen({
    cert: certificate.certPem,
    key: certificate.keyPem,
    alpnProtocols: ["h3"],
  });
  const served = serveOneEcho(listener);
  try {
    await body(serverEndpoint.addr.port, served);
  } finally {
    listener.stop();
    serverEndpoint.close();
    await served.catch(() => {}); // a refused handshake leaves accept() to fail when the endpoint closes
  }
}

async function connect(port: number, target: ClientTarget, clientEndpoint: Deno.QuicEndpoint): Promise<Deno.QuicConn> {
  const conn = await withTimeout(
    Deno.connectQuic<false>({ endpoint: clientEndpoint, port, alpnProtocols: ["h3"], ...target }),
    QUIC_TIMEOUT_MS,
    "QUIC connect",
  );
  await withTimeout(conn.handshake, QUIC_TIMEOUT_MS, "QUIC handshake");
  return conn;
}

async function assertQuicEchoes(certificate: Certificate, target: ClientTarget): Promise<void> {
  await withQuicServer(certificate, async (port, served) => {
    const clientEndpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
    try {
      const conn = await connect(port, target, clientEndpoint);
      assert.equal(conn.protocol, "h3");
      const payload = Uint8Array.of(0x6d, 0x6f, 0x71, 0x00, 0xff);
      const stream = await withTimeout(conn.createBidirectionalStream(), QUIC_TIMEOUT_MS, "open stream");
      const writer = stream.writable.getWriter();
      await withTimeout(writer.write(payload), QUIC_TIMEOUT_MS, "write");
      await withTimeout(writer.close(), QUIC_TIMEOUT_MS, "finish stream");
      assert.deepEqual(await withTimeout(readAll(stream.readable), QUIC_TIMEOUT_MS, "read echo"), payload);
      conn.close({ closeCode: 0, reason: "done" });
      await withTimeout(served, QUIC_TIMEOUT_MS, "server side close");
    } finally {
      clientEndpoint.close();
    }
  });
}

async function assertQuicRefused(certificate: Certificate, target: ClientTarget, reason: RegExp): Promise<void> {
  await withQuicServer(certificate, async (port) => {
    const clientEndpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
    try {
      await assert.rejects(connect(port, target, clientEndpoint), reason);
    } finally {
      clientEndpoint.close();
    }
  });
}

/**
 * Deno's QUIC API needs --unstable-net, or "unstable": ["net"] in the workspace root's deno.json (a
 * member's deno.json may not set it: Deno warns and ignores it). When the API is missing, the QUIC
 * tests re-run themselves in a child `deno test --unstable-net` rather than silently skipping.
 */
function quicTest(name: string, fn: () => Promise<void>): void {
  Deno.test(name, typeof Deno.QuicEndpoint === "function" ? fn : () => runTestWithUnstableNet(name));
}

async function runTestWithUnstableNet(name: string): Promise<void> {
  const args = ["test", "--no-lock", "--allow-all", "--unstable-net", "--no-check", "--filter", name, import.meta.url];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), CHILD_TEST_TIMEOUT_MS);
  try {
    const command = new Deno.Command(Deno.execPath(), {
      args,
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    });
    const output = await command.output();
    const report = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.ok(output.success, `child deno test --unstable-net failed:\n${report}`);
    assert.match(report, /\b1 passed\b/, `child deno test did not run "${name}":\n${report}`);
  } finally {
    clearTimeout(timer);
  }
}

quicTest("Deno QUIC (rustls) completes a handshake with serverName localhost and echoes a stream", async () => {
  const certificate = await generateCertificate();
  await assertQuicEchoes(certificate, {
    hostname: "127.0.0.1",
    serverName: "localhost",
    caCerts: [certificate.certPem],
  });
});

quicTest("Deno QUIC (rustls) accepts the 127.0.0.1 IP SAN without a serverName", async () => {
  const certificate = await generateCertificate();
  await assertQuicEchoes(certificate, { hostname: "127.0.0.1", caCerts: [certificate.certPem] });
});

quicTest("Deno QUIC (rustls) still checks names and trust: wrong name or other cert is refused", async () => {
  const certificate = await generateCertificate();
  const stranger = await generateCertificate();
  await assertQuicRefused(
    certificate,
    { hostname: "127.0.0.1", serverName: "example.com", caCerts: [certificate.certPem] },
    /not valid for name "example\.com"/,
  );
  await assertQuicRefused(
    certificate,
    { hostname: "127.0.0.1", serverName: "localhost", caCerts: [stranger.certPem] },
    /invalid peer certificate: (BadSignature|UnknownIssuer)/,
  );
});

// ---------------------------------------------------------------------------------------------
// 3. loadCertificate
// ---------------------------------------------------------------------------------------------

Deno.test("loadCertificate round-trips hash and dates", async () => {
  const certificate = await generateCertificate();
  const loaded = await loadCertificate(certificate.certPem, certificate.keyPem);
  assert.equal(loaded.sha256Hex, certificate.sha256Hex);
  assert.deepEqual(loaded.der, certificate.der);
  assert.equal(loaded.notBefore.getTime(), certificate.notBefore.getTime());
  assert.equal(loaded.notAfter.getTime(), certificate.notAfter.getTime());
  assert.equal(loaded.certPem, certificate.certPem);
  assert.equal(loaded.keyPem, certificate.keyPem);
});

Deno.test("loadCertificate rejects garbage, a mismatched key and a SEC1 key with clear errors", async () => {
  const certificate = await generateCertificate();
  const other = await generateCertificate();
  await assert.rejects(loadCertificate("not a certificate", certificate.keyPem), /expected a PEM "CERTIFICATE" block/);
  await assert.rejects(
    loadCertificate("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n", certificate.keyPem),
    /not valid base64/,
  );
  await assert.rejects(
    loadCertificate("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n", certificate.keyPem),
    /not a valid X.509 certificate/,
  );
  await assert.rejects(loadCertificate(certificate.certPem, "garbage"), /expected a PEM "PRIVATE KEY" block/);
  await assert.rejects(loadCertificate(certificate.certPem, other.keyPem), /private key does not match/);
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/key.pem`, certificate.keyPem);
    const sec1 = await openssl(["ec", "-in", "key.pem", "-outform", "pem"], dir);
    assert.match(sec1, /BEGIN EC PRIVATE KEY/);
    await assert.rejects(loadCertificate(certificate.certPem, sec1), /PKCS#8.*found "EC PRIVATE KEY"/);
  });
});

Deno.test("loadCertificate rejects RSA and P-384 certificates and keys, and long validity", async () => {
  const ours = await generateCertificate();
  await withTempDir(async (dir) => {
    const selfSigned = async (name: string, keyArgs: string[], days = "1") => {
      const subject = ["-subj", "/CN=test", "-days", days, "-keyout", `${name}.key`, "-out", `${name}.pem`];
      await openssl(["req", "-x509", "-nodes", ...keyArgs, ...subject], dir);
      return {
        certPem: await Deno.readTextFile(`${dir}/${name}.pem`),
        keyPem: await Deno.readTextFile(`${dir}/${name}.key`),
      };
    };
    const rsa = await selfSigned("rsa", ["-newkey", "rsa:2048"]);
    await assert.rejects(loadCertificate(rsa.certPem, rsa.keyPem), /certificate public key is RSA.*requires EC P-256/);
    await assert.rejects(loadCertificate(ours.certPem, rsa.keyPem), /private key is RSA.*requires EC P-256/);

    const p384 = await selfSigned("p384", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"]);
    await assert.rejects(loadCertificate(p384.certPem, p384.keyPem), /EC curve 1\.3\.132\.0\.34.*requires EC P-256/);

    const longLived = await selfSigned("long", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"], "30");
    await assert.rejects(loadCertificate(longLived.certPem, longLived.keyPem), /valid for 30\.00 days.*less than 14/);

    // A P-256 certificate made by openssl itself (PKCS#8 key, v3, short-lived) is accepted.
    const p256 = await selfSigned("p256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]);
    const loaded = await loadCertificate(p256.certPem, p256.keyPem);
    assert.equal(loaded.notAfter.getTime() - loaded.notBefore.getTime(), DAY_MS);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. needsRenewal and validity limits
// ---------------------------------------------------------------------------------------------

Deno.test("needsRenewal: fresh, near expiry, not yet valid, custom margin", async () => {
  const now = new Date();
  const certificate = await generateCertificate({ now, validityDays: 10 });
  assert.equal(needsRenewal(certificate), false);
  assert.equal(needsRenewal(certificate, now), false);
  assert.equal(needsRenewal(certificate, new Date(certificate.notAfter.getTime() - DAY_MS)), true);
  assert.equal(needsRenewal(certificate, new Date(certificate.notAfter.getTime() + 1)), true);
  assert.equal(needsRenewal(certificate, new Date(certificate.notBefore.getTime() - 1)), true);
  const future = await generateCertificate({ now: new Date(now.getTime() + 3 * DAY_MS) });
  assert.equal(needsRenewal(future, now), true);
  // With a half-day margin, one day left is still fine.
  assert.equal(needsRenewal(certificate, new Date(certificate.notAfter.getTime() - DAY_MS), DAY_MS / 2), false);
});

Deno.test("validityDays must be > 0 and < 14", async () => {
  for (const validityDays of [14, 0, -1, 15, Number.NaN, Number.POSITIVE_INFINITY]) {
    await assert.rejects(generateCertificate({ validityDays }), RangeError, String(validityDays));
  }
  const almostFourteen = await generateCertificate({ validityDays: 13.999_999_999 });
  assert.ok(almostFourteen.notAfter.getTime() - almostFourteen.notBefore.getTime() < 14 * DAY_MS);
});

// ---------------------------------------------------------------------------------------------
// The DER encoder's edge cases
// ---------------------------------------------------------------------------------------------

Deno.test("DER: lengths, integers, OIDs, times", () => {
  const hex = (bytes: Uint8Array) => Array.from(bytes, (octet) => octet.toString(16).padStart(2, "0")).join("");
  assert.equal(hex(der.encodeLength(127)), "7f");
  assert.equal(hex(der.encodeLength(128)), "8180");
  assert.equal(hex(der.encodeLength(256)), "820100");
  assert.equal(hex(der.encodeLength(70_000)), "83011170");
  const long = der.octetString(new Uint8Array(300));
  assert.equal(der.decodeOctetString(der.decode(long)).length, 300);

  assert.equal(hex(der.integer(0)), "020100");
  assert.equal(hex(der.integer(127)), "02017f");
  assert.equal(hex(der.integer(128)), "02020080");
  assert.equal(hex(der.integer(-128)), "020180");
  assert.equal(hex(der.integer(-129)), "0202ff7f");
  for (const value of [0n, 1n, 255n, 256n, -1n, -256n, 2n ** 70n, -(2n ** 70n)]) {
    assert.equal(der.decodeInteger(der.decode(der.integer(value))), value);
  }
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0, 0, 0x80, 1))), "0203008001");
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0, 0, 0x7f))), "02017f");
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0, 0))), "020100");

  assert.equal(hex(der.objectIdentifier("1.2.840.10045.2.1")), "06072a8648ce3d0201");
  for (const oid of ["1.2.840.10045.3.1.7", "2.5.29.17", "2.999.3", "1.3.6.1.5.5.7.3.1"]) {
    assert.equal(der.decodeObjectIdentifier(der.decode(der.objectIdentifier(oid))), oid);
  }

  assert.equal(new TextDecoder().decode(der.time(new Date("2049-12-31T23:59:59Z")).subarray(2)), "491231235959Z");
  assert.equal(new TextDecoder().decode(der.time(new Date("2050-01-01T00:00:00Z")).subarray(2)), "20500101000000Z");
  for (const iso of ["1999-02-03T04:05:06.000Z", "2049-12-31T23:59:59.000Z", "2050-01-01T00:00:00.000Z"]) {
    assert.equal(der.decodeTime(der.decode(der.time(new Date(iso)))).toISOString(), iso);
  }
  assert.throws(() => der.decode(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5)), /non-minimal/);
  assert.throws(() => der.decode(Uint8Array.of(0x30, 0x80, 0, 0)), /indefinite/);
  assert.throws(() => der.decode(Uint8Array.of(0x04, 0x05, 1)), /truncated/);
});
