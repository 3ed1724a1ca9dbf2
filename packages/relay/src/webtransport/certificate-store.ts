// Keeps the relay's generated certificate and key in a state directory, so that a restarted relay
// serves the same certificate and a client that pinned its hash (serverCertificateHashes) reconnects.
// One file holds both PEM blocks, written to a temporary file (mode 0600) and renamed over the old
// one: a relay killed mid-write leaves the previous pair or the new one, never a certificate
// without its key.
import { type Certificate, generateCertificate, loadCertificate, needsRenewal } from "./certificate.ts";

export const STORE_FILE = "certificate-and-key.pem";

export interface KeptCertificate {
  certificate: Certificate;
  /** "stored": read back from the state dir; "new": generated now (and stored, when `kept`). */
  origin: "stored" | "new";
  /** Why a new one was made: none stored, unreadable, expired or near its end. */
  reason?: string;
}

/** Whether this process may read and write `dir` without a permission prompt. */
export function mayKeepState(dir: string): boolean {
  const granted = (name: "read" | "write") => Deno.permissions.querySync({ name, path: dir }).state === "granted";
  return granted("read") && granted("write");
}

/**
 * The certificate stored in `dir` if it is readable, belongs to its key, and is not near its end
 * (`needsRenewal`); otherwise a new one, which is stored in its place.
 */
export async function keptCertificate(dir: string, now = new Date()): Promise<KeptCertificate> {
  const path = `${dir}/${STORE_FILE}`;
  let reason: string;
  try {
    const stored = await readStored(path);
    if (!needsRenewal(stored, now)) return { certificate: stored, origin: "stored" };
    reason = `the stored one ${stored.notAfter <= now ? "expired" : "ends soon"} (${stored.notAfter.toISOString()})`;
  } catch (error) {
    reason =
      error instanceof Deno.errors.NotFound
        ? "none stored"
        : `the stored one is unreadable (${error instanceof Error ? error.message : String(error)})`;
  }
  const certificate = await generateCertificate({ now });
  await storeCertificate(dir, certificate);
  return { certificate, origin: "new", reason };
}

/** Writes `certificate` and its key into `dir` (created, mode 0700), atomically. */
export async function storeCertificate(dir: string, certificate: Certificate): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = `${dir}/${STORE_FILE}`;
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temporary, `${certificate.certPem.trim()}\n${certificate.keyPem.trim()}\n`, {
      mode: 0o600,
      createNew: true,
    });
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

async function readStored(path: string): Promise<Certificate> {
  const text = await Deno.readTextFile(path);
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(text)?.[0];
  if (cert === undefined || key === undefined) throw new Error("no certificate and key in it");
  return await loadCertificate(`${cert}\n`, `${key}\n`);
}
