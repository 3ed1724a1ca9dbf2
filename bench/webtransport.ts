// WebTransport throughput from headless Chromium to the relay process (its /sink path), over loopback:
// bulk MB/s on one bidirectional stream, MB/s over 100 concurrent unidirectional streams, and how
// many streams per second a page can open. The physical ceiling for the relay's later media numbers.
// Prints one JSON line. Run: pnpm bench:webtransport
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../e2e/chromium.ts";
import { startRelay } from "../e2e/relay.ts";

const REPEATS = 3;
/** Streams opened at once for the open rate: Chromium refuses to create more than the peer allows open. */
const OPENS = Number(process.env.OPENS ?? 800);

interface Sample {
  bidiMBps: number;
  uniMBps: number;
  streamsPerSec: number;
}

/** Runs in the page. Self-contained: Playwright sends its source to the browser. */
async function measureInPage(target: { url: string; hash: string; opens: number }): Promise<Sample> {
  const value = new Uint8Array(target.hash.match(/../g)?.map((byte) => Number.parseInt(byte, 16)) ?? []);
  const transport = new WebTransport(`${target.url}/sink`, {
    serverCertificateHashes: [{ algorithm: "sha-256", value }],
  });
  await transport.ready;
  const chunk = new Uint8Array(64 * 1024).fill(0x5a);
  const decoder = new TextDecoder();
  const readText = async (readable: ReadableStream<Uint8Array>) => {
    let text = "";
    for await (const piece of readable as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(piece);
    return text;
  };
  const ask = async (question: string) => {
    const stream = await transport.createBidirectionalStream();
    const writer = stream.writable.getWriter();
    await writer.write(new TextEncoder().encode(question));
    await writer.close();
    return readText(stream.readable);
  };

  // 1. One bidirectional stream, 64 MiB, answered with the byte count once the relay has it all.
  const bulkBytes = 64 * 1024 * 1024;
  let started = performance.now();
  const bulk = await transport.createBidirectionalStream();
  const bulkWriter = bulk.writable.getWriter();
  for (let sent = 0; sent < bulkBytes; sent += chunk.length) await bulkWriter.write(chunk);
  await bulkWriter.close();
  const counted = Number(await readText(bulk.readable));
  if (counted !== bulkBytes) throw new Error(`relay counted ${counted} of ${bulkBytes} bytes`);
  const bidiMBps = bulkBytes / 1e6 / ((performance.now() - started) / 1000);

  // 2. 100 concurrent unidirectional streams of 1 MiB each.
  const streams = 100;
  const perStream = 1024 * 1024;
  started = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      const writer = (await transport.createUnidirectionalStream()).getWriter();
      for (let sent = 0; sent < perStream; sent += chunk.length) await writer.write(chunk);
      await writer.close();
    }),
  );
  const totals = JSON.parse(await ask(`wait:${streams}`)) as { streams: number; bytes: number };
  if (totals.bytes !== streams * perStream) throw new Error(`relay counted ${totals.bytes} bytes on uni streams`);
  const uniMBps = (streams * perStream) / 1e6 / ((performance.now() - started) / 1000);

  // 3. Stream open rate: `opens` unidirectional streams of one byte at once, until the relay has seen them all.
  const opens = target.opens;
  const one = new Uint8Array([1]);
  started = performance.now();
  await Promise.all(
    Array.from({ length: opens }, async () => {
      const writer = (await transport.createUnidirectionalStream()).getWriter();
      await writer.write(one);
      await writer.close();
    }),
  );
  const after = JSON.parse(await ask(`wait:${streams + opens}`)) as { streams: number };
  if (after.streams !== streams + opens) throw new Error(`relay saw ${after.streams} streams`);
  const streamsPerSec = opens / ((performance.now() - started) / 1000);

  transport.close();
  return { bidiMBps, uniMBps, streamsPerSec };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const relay = await startRelay(["--quiet"]);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [...CHROMIUM_ARGS],
});
try {
  const page = await browser.newPage();
  // tsx (esbuild) wraps named functions in a __name() helper; give the page one, since
  // page.evaluate sends measureInPage's compiled source there.
  await page.addInitScript({ content: "globalThis.__name = (target) => target;" });
  // Any page of the relay's HTTP side is a secure-context origin (127.0.0.1) to run from.
  await page.goto(`http://127.0.0.1:${relay.port}/certificate.sha256`);
  const samples: Sample[] = [];
  for (let i = 0; i < REPEATS; i++) {
    samples.push(await page.evaluate(measureInPage, { url: relay.url, hash: relay.certificateSha256, opens: OPENS }));
  }
  const round = (value: number) => Math.round(value * 10) / 10;
  console.log(
    JSON.stringify({
      benchmark: "webtransport",
      browser: `chromium ${browser.version()}`,
      repeats: REPEATS,
      bidiStream64MiB: { MBps: round(median(samples.map((s) => s.bidiMBps))) },
      uniStreams100x1MiB: { MBps: round(median(samples.map((s) => s.uniMBps))) },
      streamOpenRate: { streams: OPENS, streamsPerSec: Math.round(median(samples.map((s) => s.streamsPerSec))) },
      samples: samples.map((s) => ({
        bidiMBps: round(s.bidiMBps),
        uniMBps: round(s.uniMBps),
        streamsPerSec: Math.round(s.streamsPerSec),
      })),
    }),
  );
} finally {
  await browser.close();
  await relay.stop();
}
