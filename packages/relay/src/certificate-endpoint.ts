// Plain HTTP on TCP, at the same port number as the QUIC (UDP) listener: GET /certificate.sha256
// gives the certificate's SHA-256 as hex (the convention moq-dev's clients follow to pin a local
// relay), GET /certificate.pem the certificate itself (for non-browser clients). CORS is open.
// A test facility, only when the relay runs with --test-controls or --send-rate-kbps (else 404):
// POST /test/send-rate?kbps=N caps the relay's send rate to each session at N kbit/s (0 lifts it).
import { MAX_SEND_RATE_KBPS, type SendRateControl } from "./send-rate-control.ts";
import type { Certificate } from "./webtransport/certificate.ts";

export interface CertificateEndpoint {
  close(): Promise<void>;
}

export function serveCertificate(options: {
  hostname: string;
  port: number;
  current: () => Certificate;
  /** Test controls: present only when the relay was started with them. */
  sendRate?: SendRateControl;
}): CertificateEndpoint {
  const cors = { "access-control-allow-origin": "*", "cache-control": "no-store" };
  const server = Deno.serve({ hostname: options.hostname, port: options.port, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/test/send-rate") {
      if (options.sendRate === undefined) return new Response("not found\n", { status: 404, headers: cors });
      return setSendRate(request.method, url, options.sendRate, cors);
    }
    if (request.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { ...cors, "access-control-allow-methods": "GET" } });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: cors });
    }
    if (path === "/certificate.sha256") {
      return new Response(options.current().sha256Hex, { headers: { ...cors, "content-type": "text/plain" } });
    }
    if (path === "/certificate.pem") {
      return new Response(options.current().certPem, {
        headers: { ...cors, "content-type": "application/x-pem-file" },
      });
    }
    return new Response("not found\n", { status: 404, headers: cors });
  });
  return { close: () => server.shutdown() };
}

/** POST /test/send-rate?kbps=N: the new cap for every session (0 lifts it). */
function setSendRate(method: string, url: URL, control: SendRateControl, cors: Record<string, string>): Response {
  if (method !== "POST") return new Response("method not allowed\n", { status: 405, headers: cors });
  const text = url.searchParams.get("kbps") ?? "";
  const kbps = /^\d{1,8}$/.test(text) ? Number(text) : Number.NaN;
  if (!(kbps <= MAX_SEND_RATE_KBPS)) {
    return new Response(`kbps must be an integer in 0..${MAX_SEND_RATE_KBPS}\n`, { status: 400, headers: cors });
  }
  control.set(kbps);
  return new Response(kbps === 0 ? "send rate uncapped\n" : `send rate ${kbps} kbps\n`, {
    headers: { ...cors, "content-type": "text/plain" },
  });
}
