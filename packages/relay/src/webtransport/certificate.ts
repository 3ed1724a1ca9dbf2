// The relay's self-signed TLS certificate, built for two very particular clients:
// - Chromium's WebTransport `serverCertificateHashes` only pins certificates that are ECDSA P-256,
//   valid for less than 14 days, identified by the SHA-256 of their DER encoding;
// - Deno's QUIC client (rustls + webpki), given the certificate as `caCerts`, only accepts a
//   self-signed end-entity certificate with basicConstraints CA:FALSE (else `CaUsedAsEndEntity`).
// Web-standard APIs only (WebCrypto, TextEncoder, btoa/atob): no Deno, Node or npm dependencies.

import * as der from "./der.ts";

export interface Certificate {
  /** "-----BEGIN CERTIFICATE-----" PEM. */
  certPem: string;
  /** PKCS#8 "-----BEGIN PRIVATE KEY-----" PEM. */
  keyPem: string;
  /** The certificate's DER encoding. */
  der: Uint8Array;
  /** Lowercase hex SHA-256 of `der`: the value for `serverCertificateHashes`. */
  sha256Hex: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateOptions {
  /** DNS subject alternative names; default ["localhost"]. */
  hostnames?: string[];
  /** IP subject alternative names; default ["127.0.0.1", "::1"]. */
  addresses?: string[];
  /** Default 10; must be > 0 and < 14 (Chromium's limit). */
  validityDays?: number;
  /** Default `new Date()`. */
  now?: Date;
}

const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  prime256v1: "1.2.840.10045.3.1.7",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  rsaEncryption: "1.2.840.113549.1.1.1",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

const SECOND_MS = 1000;
const DAY_MS = 86_400 * SECOND_MS;
/** Chromium rejects pinned certificates valid for longer; we stay strictly below. */
const MAX_VALIDITY_DAYS = 14;
const DEFAULT_VALIDITY_DAYS = 10;
/** notBefore is backdated so a client whose clock runs a little behind still accepts the certificate. */
const CLOCK_SKEW_ALLOWANCE_MS = 3_600 * SECOND_MS;
const DEFAULT_RENEWAL_MARGIN_MS = 2 * DAY_MS;
const COMMON_NAME = "moqkit local relay";
const SERIAL_NUMBER_BYTES = 16;
/** The P-256 field size: WebCrypto signs as r || s, each this many bytes. */
const P256_COORDINATE_BYTES = 32;

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export async function generateCertificate(options: CertificateOptions = {}): Promise<Certificate> {
  const hostnames = options.hostnames ?? ["localhost"];
  const addresses = options.addresses ?? ["127.0.0.1", "::1"];
  const validityMs = validityDaysToMs(options.validityDays ?? DEFAULT_VALIDITY_DAYS);
  // X.509 times have whole seconds: truncate up front so the returned dates match the encoded ones.
  const now = options.now ?? new Date();
  const notBefore = new Date(Math.floor(now.getTime() / SECOND_MS) * SECOND_MS - CLOCK_SKEW_ALLOWANCE_MS);
  const notAfter = new Date(notBefore.getTime() + validityMs);

  const keyPair = await crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keyPair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keyPair.privateKey));

  const tbsCertificate = encodeTbsCertificate({
    serialNumber: randomSerialNumber(),
    notBefore,
    notAfter,
    spki,
    subjectKeyIdentifier: await subjectKeyIdentifier(spki),
    hostnames,
    addresses,
  });
  const rawSignature = new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, keyPair.privateKey, tbsCertificate));
  const certificateDer = der.sequence(
    tbsCertificate,
    ecdsaWithSha256Algorithm(),
    der.bitString(ecdsaSignatureToDer(rawSignature)),
  );

  return {
    certPem: toPem("CERTIFICATE", certificateDer),
    keyPem: toPem("PRIVATE KEY", pkcs8),
    der: certificateDer,
    sha256Hex: await sha256Hex(certificateDer),
    notBefore,
    notAfter,
  };
}

/**
 * Reads back a certificate and its PKCS#8 key (as written by `generateCertificate`), checking that
 * Chromium could pin it (EC P-256, validity under 14 days) and that the key belongs to it.
 */
export async function loadCertificate(certPem: string, keyPem: string): Promise<Certificate> {
  const certificateDer = pemToDer(certPem, "CERTIFICATE");
  const { notBefore, notAfter, spki } = parseCertificate(certificateDer);
  assertP256(describeKeyAlgorithm(spki.algorithm), "certificate public key");
  const validityMs = notAfter.getTime() - notBefore.getTime();
  if (validityMs >= MAX_VALIDITY_DAYS * DAY_MS) {
    throw new Error(
      `certificate is valid for ${(validityMs / DAY_MS).toFixed(2)} days; ` +
        `Chromium's serverCertificateHashes requires less than ${MAX_VALIDITY_DAYS}`,
    );
  }

  const pkcs8 = pemToDer(keyPem, "PRIVATE KEY");
  assertP256(describeKeyAlgorithm(parsePkcs8Algorithm(pkcs8)), "private key");
  await assertKeyMatchesCertificate(pkcs8, spki.encoded);

  return {
    certPem,
    keyPem,
    der: certificateDer,
    sha256Hex: await sha256Hex(certificateDer),
    notBefore,
    notAfter,
  };
}

/** True when the certificate is not yet valid, or fewer than `marginMs` (default 2 days) remain. */
export function needsRenewal(
  certificate: Certificate,
  now = new Date(),
  marginMs = DEFAULT_RENEWAL_MARGIN_MS,
): boolean {
  if (now.getTime() < certificate.notBefore.getTime()) return true;
  return certificate.notAfter.getTime() - now.getTime() < marginMs;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(digest, (octet) => octet.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------------------------------------
// Building the certificate (RFC 5280 section 4.1)
// ---------------------------------------------------------------------------------------------

interface TbsFields {
  serialNumber: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  subjectKeyIdentifier: Uint8Array;
  hostnames: string[];
  addresses: string[];
}

function validityDaysToMs(validityDays: number): number {
  if (!(validityDays > 0 && validityDays < MAX_VALIDITY_DAYS)) {
    throw new RangeError(`validityDays must be > 0 and < ${MAX_VALIDITY_DAYS} (Chromium's limit), got ${validityDays}`);
  }
  // Rounding down to whole seconds keeps a value just under 14 days strictly under 14 days.
  const validityMs = Math.floor((validityDays * DAY_MS) / SECOND_MS) * SECOND_MS;
  if (validityMs < SECOND_MS) throw new RangeError(`validityDays ${validityDays} is shorter than one second`);
  return validityMs;
}

function encodeTbsCertificate(fields: TbsFields): Uint8Array<ArrayBuffer> {
  const name = distinguishedName(COMMON_NAME);
  return der.sequence(
    der.explicit(0, der.integer(2)), // version v3, needed for extensions
    der.unsignedInteger(fields.serialNumber),
    ecdsaWithSha256Algorithm(),
    name, // issuer: self-signed, so the same as the subject
    der.sequence(der.time(fields.notBefore), der.time(fields.notAfter)),
    name,
    fields.spki, // WebCrypto's SPKI export is already the DER SubjectPublicKeyInfo
    der.explicit(3, der.sequence(...encodeExtensions(fields))),
  );
}

function encodeExtensions(fields: TbsFields): Uint8Array<ArrayBuffer>[] {
  const digitalSignature = 0x80; // keyUsage bit 0, the first (most significant) bit
  return [
    // An empty SEQUENCE is CA:FALSE (cA defaults to FALSE, and DER omits defaults).
    extension(OID.basicConstraints, true, der.sequence()),
    // Trailing zero bits are dropped in DER, so seven of the eight bits are unused.
    extension(OID.keyUsage, true, der.bitString(Uint8Array.of(digitalSignature), 7)),
    extension(OID.extKeyUsage, false, der.sequence(der.objectIdentifier(OID.serverAuth))),
    extension(OID.subjectAltName, false, subjectAltNames(fields.hostnames, fields.addresses)),
    extension(OID.subjectKeyIdentifier, false, der.octetString(fields.subjectKeyIdentifier)),
  ];
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array<ArrayBuffer> {
  // `critical` defaults to FALSE, so DER leaves it out when false.
  const criticalField = critical ? [der.boolean(true)] : [];
  return der.sequence(der.objectIdentifier(oid), ...criticalField, der.octetString(value));
}

/** GeneralNames: dNSName is `[2] IMPLICIT IA5String`, iPAddress is `[7] IMPLICIT OCTET STRING`. */
function subjectAltNames(hostnames: string[], addresses: string[]): Uint8Array<ArrayBuffer> {
  if (hostnames.length + addresses.length === 0) {
    throw new Error("a certificate needs at least one hostname or address");
  }
  const dnsNames = hostnames.map((hostname) => {
    if (!/^[\x21-\x7e]+$/.test(hostname)) throw new Error(`invalid DNS name "${hostname}"`);
    return der.ia5String(hostname, der.contextTag(2, false));
  });
  const ipAddresses = addresses.map((address) => der.implicitPrimitive(7, parseIpAddress(address)));
  return der.sequence(...dnsNames, ...ipAddresses);
}

function distinguishedName(commonName: string): Uint8Array<ArrayBuffer> {
  const attribute = der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(commonName));
  return der.sequence(der.set(attribute));
}

/** ecdsa-with-SHA256 takes no parameters: the field is absent, not NULL (RFC 5758 section 3.2). */
function ecdsaWithSha256Algorithm(): Uint8Array<ArrayBuffer> {
  return der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));
}

/** 16 random bytes, top bit clear (positive) and second bit set (so no octet can be dropped). */
function randomSerialNumber(): Uint8Array {
  const serial = crypto.getRandomValues(new Uint8Array(SERIAL_NUMBER_BYTES));
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

/** RFC 5280 section 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
async function subjectKeyIdentifier(spki: Uint8Array): Promise<Uint8Array> {
  const [, subjectPublicKey] = der.decodeChildren(der.decode(spki));
  const publicKey = der.decodeBitString(der.expectTag(subjectPublicKey, der.Tag.BitString, "subjectPublicKey"));
  return new Uint8Array(await crypto.subtle.digest("SHA-1", publicKey.bytes.slice()));
}

/** WebCrypto's r || s becomes `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 5480). */
function ecdsaSignatureToDer(rawSignature: Uint8Array): Uint8Array<ArrayBuffer> {
  if (rawSignature.length !== 2 * P256_COORDINATE_BYTES) {
    throw new Error(`expected a ${2 * P256_COORDINATE_BYTES}-byte P-256 signature, got ${rawSignature.length}`);
  }
  const r = rawSignature.subarray(0, P256_COORDINATE_BYTES);
  const s = rawSignature.subarray(P256_COORDINATE_BYTES);
  return der.sequence(der.unsignedInteger(r), der.unsignedInteger(s));
}

// ---------------------------------------------------------------------------------------------
// IP addresses for the iPAddress SAN: 4 bytes for IPv4, 16 for IPv6
// ---------------------------------------------------------------------------------------------

function parseIpAddress(address: string): Uint8Array {
  const bytes = address.includes(":") ? parseIpv6(address) : parseIpv4(address);
  if (bytes === undefined) throw new Error(`invalid IP address "${address}"`);
  return bytes;
}

function parseIpv4(address: string): Uint8Array | undefined {
  const parts = address.split(".");
  // Leading zeros are refused: some parsers read them as octal.
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part))) return undefined;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? Uint8Array.from(octets) : undefined;
}

/** RFC 4291 text forms: "::" compression, and a dotted IPv4 tail ("::ffff:192.0.2.1"). */
function parseIpv6(address: string): Uint8Array | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1] ?? "", true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  // Without "::" all eight groups must be there; "::" stands for at least one zero group.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return Uint8Array.from(groups.flatMap((group) => [group >> 8, group & 0xff]));
}

/** 16-bit groups of one side of "::"; a dotted IPv4 address may end the address. */
function parseIpv6Groups(text: string, mayEndWithIpv4: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (part.includes(".") && mayEndWithIpv4 && index === parts.length - 1) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(((ipv4[0] ?? 0) << 8) | (ipv4[1] ?? 0), ((ipv4[2] ?? 0) << 8) | (ipv4[3] ?? 0));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------
// Reading a certificate back
// ---------------------------------------------------------------------------------------------

interface ParsedCertificate {
  notBefore: Date;
  notAfter: Date;
  spki: { encoded: Uint8Array; algorithm: der.DerElement };
}

function parseCertificate(certificateDer: Uint8Array): ParsedCertificate {
  try {
    const [tbs] = der.decodeChildren(der.expectTag(der.decode(certificateDer), der.Tag.Sequence, "Certificate"));
    const fields = der.decodeChildren(der.expectTag(tbs, der.Tag.Sequence, "tbsCertificate"));
    // version is `[0] EXPLICIT` with a default (v1), so it may be absent.
    const first = fields[0]?.tag === der.contextTag(0, true) ? 1 : 0;
    // After the version: serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
    const validity = der.decodeChildren(der.expectTag(fields[first + 3], der.Tag.Sequence, "validity"));
    const spki = der.expectTag(fields[first + 5], der.Tag.Sequence, "subjectPublicKeyInfo");
    const [notBefore, notAfter] = validity;
    if (notBefore === undefined || notAfter === undefined) throw new Error("validity needs notBefore and notAfter");
    const [algorithm] = der.decodeChildren(spki);
    return {
      notBefore: der.decodeTime(notBefore),
      notAfter: der.decodeTime(notAfter),
      spki: { encoded: spki.encoded, algorithm: der.expectTag(algorithm, der.Tag.Sequence, "algorithm") },
    };
  } catch (error) {
    throw new Error(`not a valid X.509 certificate: ${errorMessage(error)}`, { cause: error });
  }
}

/** `PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm AlgorithmIdentifier, privateKey, ... }` */
function parsePkcs8Algorithm(pkcs8: Uint8Array): der.DerElement {
  try {
    const [, algorithm] = der.decodeChildren(der.expectTag(der.decode(pkcs8), der.Tag.Sequence, "PrivateKeyInfo"));
    return der.expectTag(algorithm, der.Tag.Sequence, "privateKeyAlgorithm");
  } catch (error) {
    throw new Error(`not a valid PKCS#8 private key: ${errorMessage(error)}`, { cause: error });
  }
}

/** "EC P-256", "EC 1.3.132.0.34", "RSA", or the algorithm OID. */
function describeKeyAlgorithm(algorithmIdentifier: der.DerElement): string {
  const [algorithm, parameters] = der.decodeChildren(algorithmIdentifier);
  const algorithmOid = der.decodeObjectIdentifier(der.expectTag(algorithm, der.Tag.ObjectIdentifier, "algorithm"));
  if (algorithmOid === OID.rsaEncryption) return "RSA";
  if (algorithmOid !== OID.ecPublicKey) return `algorithm ${algorithmOid}`;
  if (parameters?.tag !== der.Tag.ObjectIdentifier) return "EC with explicit or missing curve parameters";
  const curveOid = der.decodeObjectIdentifier(parameters);
  return curveOid === OID.prime256v1 ? "EC P-256" : `EC curve ${curveOid}`;
}

function assertP256(description: string, what: string): void {
  if (description !== "EC P-256") {
    throw new Error(`${what} is ${description}; Chromium's serverCertificateHashes requires EC P-256 (ECDSA)`);
  }
}

/** Signs a challenge with the private key and verifies it with the certificate's public key. */
async function assertKeyMatchesCertificate(pkcs8: Uint8Array, spki: Uint8Array): Promise<void> {
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", pkcs8.slice(), ECDSA_P256, false, ["sign"]);
    publicKey = await crypto.subtle.importKey("spki", spki.slice(), ECDSA_P256, false, ["verify"]);
  } catch (error) {
    throw new Error(`cannot import the P-256 key pair: ${errorMessage(error)}`, { cause: error });
  }
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const signature = await crypto.subtle.sign(ECDSA_SHA256, privateKey, challenge);
  if (!(await crypto.subtle.verify(ECDSA_SHA256, publicKey, signature, challenge))) {
    throw new Error("the private key does not match the certificate's public key");
  }
}

// ---------------------------------------------------------------------------------------------
// PEM (RFC 7468)
// ---------------------------------------------------------------------------------------------

function toPem(label: string, bytes: Uint8Array): string {
  const base64 = btoa(Array.from(bytes, (octet) => String.fromCharCode(octet)).join(""));
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The first PEM block labelled `label`; the error names the labels found instead, if any. */
function pemToDer(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
  const block = blocks.find((match) => match[1] === label);
  if (block === undefined) {
    const found = blocks.map((match) => `"${match[1]}"`).join(", ");
    const hint = label === "PRIVATE KEY" ? " (an unencrypted PKCS#8 key)" : "";
    throw new Error(`expected a PEM "${label}" block${hint}, found ${found || "no PEM block"}`);
  }
  try {
    const binary = atob((block[2] ?? "").replace(/\s+/g, ""));
    return Uint8Array.from(binary, (character) => character.charCodeAt(0));
  } catch (error) {
    throw new Error(`the PEM "${label}" block is not valid base64`, { cause: error });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
