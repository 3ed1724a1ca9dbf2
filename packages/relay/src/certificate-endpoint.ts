// Plain HTTP on TCP, at the same port number as the QUIC (UDP) listener: GET /certificate.sha256
// gives the certificate's SHA-256 as hex (the convention moq-dev's clients follow to pin a local
// relay), GET /certificate.pem the certificate itself (for non-browser clients). CORS is open.
import type { Certificate } from "./webtransport/certificate.ts";

export interface CertificateEndpoint {
  close(): Promise<void>;
}

export function serveCertificate(options: {
  hostname: string;
  port: number;
  current: () => Certificate;
}): CertificateEndpoint {
  const cors = { "access-control-allow-origin": "*", "cache-control": "no-store" };
  const server = Deno.serve({ hostname: options.hostname, port: options.port, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
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
