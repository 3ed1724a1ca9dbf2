// Glass-to-glass latency meter that reads pixels: the source draws the wall-clock time into every
// picture as a block code, and a reader decodes it from whatever shows the picture (a <video>, a
// <canvas>, a VideoFrame...). For e2e tests and benchmarks only (not part of the SDK).
//
// The code (in the layout's reference frame, 640x480 by default): a strip of rows x cols square
// blocks, white = 1 and black = 0, inside a mid-grey quiet zone. 48 bits, most significant first,
// row by row:
//   bits  0..7   marker 0xA6 (four white and four black blocks: the reader's luma references)
//   bits  8..39  wall-clock time in whole ms, modulo 2^32
//   bits 40..47  CRC-8 (polynomial 0x07, initial 0) of the four time bytes, big-endian; it has
//                Hamming distance 4 at this length, so any 1 to 3 wrong blocks are rejected.
// The reader recovers the full time from the 32-bit value with its own clock (unambiguous within
// +/-24 days). Both ends must share a clock: performance.timeOrigin + performance.now() agrees
// across the pages and workers of one browser.

export interface CodeLayout {
  /** The picture size the other numbers refer to; any other picture size is scaled to it. */
  frameWidth: number;
  frameHeight: number;
  /** The top left corner of the first block. */
  x: number;
  y: number;
  /** The side of a block. */
  block: number;
  cols: number;
  rows: number;
  /** The grey border drawn around the blocks. */
  quiet: number;
}

/** 2 x 24 blocks of 20 px at the top of a 640x480 picture (10 px blocks at 320x240). */
export const DEFAULT_LAYOUT: Readonly<CodeLayout> = Object.freeze({
  frameWidth: 640,
  frameHeight: 480,
  x: 80,
  y: 24,
  block: 20,
  cols: 24,
  rows: 2,
  quiet: 10,
});

export const CODE_BITS = 48;
export const MARKER = 0xa6;
const MARKER_BITS = 8;
const TWO_32 = 2 ** 32;
/** The marker's white and black references must differ by this much luma (0..255), or no read. */
const MIN_CONTRAST = 60;
/** Every block must lie this share of the contrast away from the threshold, or no read. */
const MIN_MARGIN = 0.2;

/** Wall-clock ms since the Unix epoch, comparable across the pages of one browser. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

function checkLayout(layout: CodeLayout): void {
  if (layout.cols * layout.rows !== CODE_BITS) throw new RangeError(`a code has ${CODE_BITS} blocks`);
  if (layout.block < 4) throw new RangeError("blocks must be at least 4 px");
}

export function crc8(bytes: ArrayLike<number>): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= (bytes[i] as number) & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function timeBytes(time32: number): number[] {
  return [(time32 >>> 24) & 0xff, (time32 >>> 16) & 0xff, (time32 >>> 8) & 0xff, time32 & 0xff];
}

/** The 48 bits (0 or 1) of the code for a wall-clock time in ms. */
export function codeBits(timeMs: number): number[] {
  const time32 = (Math.floor(timeMs) % TWO_32) >>> 0;
  const bits: number[] = [];
  const push = (value: number, count: number): void => {
    for (let i = count - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(MARKER, MARKER_BITS);
  push(time32, 32);
  push(crc8(timeBytes(time32)), 8);
  return bits;
}

/** The 32-bit time the bits carry, or undefined when the marker or the check value is wrong. */
export function decodeBits(bits: ArrayLike<number>): number | undefined {
  if (bits.length !== CODE_BITS) return undefined;
  let marker = 0;
  for (let i = 0; i < MARKER_BITS; i++) marker = (marker << 1) | ((bits[i] as number) & 1);
  if (marker !== MARKER) return undefined;
  let time32 = 0;
  for (let i = 8; i < 40; i++) time32 = time32 * 2 + ((bits[i] as number) & 1);
  let check = 0;
  for (let i = 40; i < 48; i++) check = (check << 1) | ((bits[i] as number) & 1);
  return crc8(timeBytes(time32)) === check ? time32 : undefined;
}

/** The full wall-clock time nearest `nowMs` whose low 32 bits are `time32`. */
export function unwrapTime(time32: number, nowMs: number): number {
  const now = Math.floor(nowMs);
  let behind = ((((now % TWO_32) - time32) % TWO_32) + TWO_32) % TWO_32;
  if (behind > TWO_32 / 2) behind -= TWO_32;
  return now - behind;
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Draws given bits as a code (tests use it to draw damaged codes). */
export function drawBits(ctx: Context2D, bits: ArrayLike<number>, layout: CodeLayout = DEFAULT_LAYOUT): void {
  checkLayout(layout);
  const { x, y, block, cols, rows, quiet } = layout;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = 1;
  ctx.globalCompositeOperation = "source-over";
  ctx.fillStyle = "#808080";
  ctx.fillRect(x - quiet, y - quiet, cols * block + 2 * quiet, rows * block + 2 * quiet);
  for (let i = 0; i < CODE_BITS; i++) {
    ctx.fillStyle = bits[i] ? "#ffffff" : "#000000";
    ctx.fillRect(x + (i % cols) * block, y + Math.floor(i / cols) * block, block, block);
  }
  ctx.restore();
}

/** Draws the code for a wall-clock time (ms since the Unix epoch) in the layout's fixed region. */
export function drawCode(ctx: CanvasRenderingContext2D, timeMs: number, layout: CodeLayout = DEFAULT_LAYOUT): void {
  drawBits(ctx, codeBits(timeMs), layout);
}

/** Moving content for the whole picture, so that encoders have real work to do. */
export function drawScene(ctx: Context2D, timeMs: number, width: number, height: number): void {
  const s = (timeMs % 3_600_000) / 1000;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  // Diagonal colour bands scrolling across.
  const bands = 8;
  const shift = (s * 90) % (width / bands);
  for (let i = -1; i <= bands; i++) {
    ctx.fillStyle = `hsl(${(i * 45 + s * 30) % 360}, 55%, ${30 + (i & 1) * 15}%)`;
    ctx.fillRect(i * (width / bands) + shift, 0, width / bands + 1, height);
  }
  // Discs on Lissajous paths.
  for (let i = 0; i < 10; i++) {
    const cx = width * (0.5 + 0.42 * Math.sin(s * (0.6 + i * 0.17) + i));
    const cy = height * (0.5 + 0.42 * Math.cos(s * (0.8 + i * 0.09) + 2 * i));
    ctx.fillStyle = `hsl(${(i * 36 + s * 70) % 360}, 85%, ${25 + (i % 4) * 18}%)`;
    ctx.beginPath();
    ctx.arc(cx, cy, 14 + (i % 5) * 7, 0, Math.PI * 2);
    ctx.fill();
  }
  // A spinning black and white wheel and a ticking counter: fine detail that changes every frame.
  ctx.translate(width * 0.18, height * 0.75);
  ctx.rotate(s * 1.7);
  for (let k = 0; k < 12; k++) {
    ctx.fillStyle = k & 1 ? "#f4f4f4" : "#101010";
    ctx.beginPath();
    ctx.moveTo(0, 0);
    ctx.arc(0, 0, height * 0.12, (k * Math.PI) / 6, ((k + 1) * Math.PI) / 6);
    ctx.fill();
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#ffffff";
  ctx.font = `${Math.round(height / 16)}px monospace`;
  ctx.fillText(`t=${Math.floor(timeMs)}`, width * 0.45, height * 0.9);
  ctx.restore();
}

interface Size {
  width: number;
  height: number;
}

function sourceSize(source: CanvasImageSource): Size {
  if (typeof HTMLVideoElement !== "undefined" && source instanceof HTMLVideoElement)
    return { width: source.videoWidth, height: source.videoHeight };
  if (typeof VideoFrame !== "undefined" && source instanceof VideoFrame)
    return { width: source.displayWidth, height: source.displayHeight };
  if (typeof HTMLImageElement !== "undefined" && source instanceof HTMLImageElement)
    return { width: source.naturalWidth, height: source.naturalHeight };
  if (typeof SVGImageElement !== "undefined" && source instanceof SVGImageElement)
    return { width: source.width.baseVal.value, height: source.height.baseVal.value };
  if (
    (typeof HTMLCanvasElement !== "undefined" && source instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== "undefined" && source instanceof OffscreenCanvas) ||
    (typeof ImageBitmap !== "undefined" && source instanceof ImageBitmap)
  )
    return { width: source.width, height: source.height };
  return { width: 0, height: 0 };
}

export type ScratchCanvas = HTMLCanvasElement | OffscreenCanvas;

/** A canvas for readCode; one per reader is enough. */
export function createScratch(): ScratchCanvas {
  return typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(1, 1) : document.createElement("canvas");
}

function scratchContext(scratch: ScratchCanvas): Context2D | null {
  return scratch.getContext("2d", { willReadFrequently: true }) as Context2D | null;
}

/**
 * The wall-clock time (ms) coded in the picture `source` shows, or undefined when it has no readable
 * code. The code region is drawn into `scratch`, each block's centre is averaged, the marker gives
 * the threshold, and the marker, every block's distance from the threshold and the check value must
 * all hold. `nowMs` recovers the bits above the 32 coded ones.
 */
export function readCode(
  source: CanvasImageSource,
  scratch: ScratchCanvas,
  nowMs: number = wallClock(),
  layout: CodeLayout = DEFAULT_LAYOUT,
): number | undefined {
  checkLayout(layout);
  const { width, height } = sourceSize(source);
  if (!(width > 0 && height > 0)) return undefined;
  const { block, cols, rows } = layout;
  const stripWidth = cols * block;
  const stripHeight = rows * block;
  if (scratch.width !== stripWidth) scratch.width = stripWidth;
  if (scratch.height !== stripHeight) scratch.height = stripHeight;
  const ctx = scratchContext(scratch);
  if (!ctx) return undefined;
  // A transparent source draws nothing: without clearing, the previous picture would read again.
  ctx.clearRect(0, 0, stripWidth, stripHeight);
  const sx = width / layout.frameWidth;
  const sy = height / layout.frameHeight;
  ctx.drawImage(source, layout.x * sx, layout.y * sy, stripWidth * sx, stripHeight * sy, 0, 0, stripWidth, stripHeight);
  const pixels = ctx.getImageData(0, 0, stripWidth, stripHeight).data;

  // Mean luma (0..255, Rec. 601) of the central half of each block; transparent pixels count as black.
  const inset = Math.floor(block / 4);
  const luma = new Array<number>(CODE_BITS);
  for (let i = 0; i < CODE_BITS; i++) {
    const left = (i % cols) * block + inset;
    const top = Math.floor(i / cols) * block + inset;
    let sum = 0;
    let count = 0;
    for (let py = top; py < top + block - 2 * inset; py++) {
      for (let px = left; px < left + block - 2 * inset; px++) {
        const p = (py * stripWidth + px) * 4;
        const alpha = (pixels[p + 3] as number) / 255;
        sum += alpha * ((pixels[p] as number) * 77 + (pixels[p + 1] as number) * 150 + (pixels[p + 2] as number) * 29);
        count++;
      }
    }
    luma[i] = sum / (count * 256);
  }

  let white = 0;
  let black = 0;
  for (let i = 0; i < MARKER_BITS; i++) {
    if ((MARKER >>> (MARKER_BITS - 1 - i)) & 1) white += luma[i] as number;
    else black += luma[i] as number;
  }
  white /= 4;
  black /= 4;
  const contrast = white - black;
  if (contrast < MIN_CONTRAST) return undefined;
  const threshold = (white + black) / 2;
  const bits = new Array<number>(CODE_BITS);
  for (let i = 0; i < CODE_BITS; i++) {
    const value = luma[i] as number;
    if (Math.abs(value - threshold) < MIN_MARGIN * contrast) return undefined;
    bits[i] = value > threshold ? 1 : 0;
  }
  const time32 = decodeBits(bits);
  return time32 === undefined ? undefined : unwrapTime(time32, nowMs);
}

export interface LatencyStats {
  /** One latency (ms) per distinct code, when it first became readable, in reading order. */
  samples: number[];
  /** Distinct codes read (samples.length). */
  count: number;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
  /** Animation frames read, and how many of them showed a readable picture. */
  frames: number;
  readable: number;
  /** The longest wait between two of those reads (ms): the reading page's own stalls show here. */
  maxFrameGapMs: number;
}

export interface LatencyReader {
  stats(): LatencyStats;
  /** Forgets the samples (codes already counted stay counted). */
  reset(): void;
  stop(): void;
}

/** The finite values, ascending. */
export const sorted = (values: readonly number[]): number[] => values.filter(Number.isFinite).sort((a, b) => a - b);

/** The median of the finite values (the mean of the middle two for an even count); NaN if none. */
export function median(values: readonly number[]): number {
  const s = sorted(values);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

const MAX_SAMPLES = 100_000;
const REMEMBERED_CODES = 4096;

/**
 * Reads the code `element` shows at every animation frame and records, for each distinct code, the
 * latency now() - code when it first becomes readable.
 */
export function createLatencyReader(
  element: CanvasImageSource,
  now: () => number = wallClock,
  layout: CodeLayout = DEFAULT_LAYOUT,
): LatencyReader {
  const scratch = createScratch();
  const seen = new Set<number>();
  let samples: number[] = [];
  let frames = 0;
  let readable = 0;
  let maxFrameGapMs = 0;
  let lastReadAt: number | undefined;
  let handle: number | undefined;

  const tick = (): void => {
    const at = now();
    if (lastReadAt !== undefined) maxFrameGapMs = Math.max(maxFrameGapMs, at - lastReadAt);
    lastReadAt = at;
    const code = readCode(element, scratch, at, layout);
    frames++;
    if (code !== undefined) {
      readable++;
      if (!seen.has(code)) {
        seen.add(code);
        if (seen.size > REMEMBERED_CODES) {
          const oldest = seen.values().next().value;
          if (oldest !== undefined) seen.delete(oldest);
        }
        if (samples.length < MAX_SAMPLES) samples.push(at - code);
      }
    }
    handle = requestAnimationFrame(tick);
  };
  handle = requestAnimationFrame(tick);

  return {
    stats(): LatencyStats {
      const sorted = [...samples].sort((a, b) => a - b);
      return {
        samples: [...samples],
        count: samples.length,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        frames,
        readable,
        maxFrameGapMs,
      };
    },
    reset(): void {
      samples = [];
      frames = 0;
      readable = 0;
      maxFrameGapMs = 0;
    },
    stop(): void {
      if (handle !== undefined) cancelAnimationFrame(handle);
      handle = undefined;
    },
  };
}

export interface CodeSource {
  canvas: HTMLCanvasElement;
  /** Pictures drawn so far, and the time coded in the latest. */
  frames: number;
  lastCode: number | undefined;
  /** canvas.captureStream(fps). */
  stream(fps?: number): MediaStream;
  stop(): void;
}

export interface SourceOptions {
  /** Draw the code (default) or only the moving content. */
  code?: boolean;
  clock?: () => number;
  layout?: CodeLayout;
}

/** Draws moving content and the current time's code on a canvas (640x480 by default) every animation frame. */
export function startSource(
  canvas: HTMLCanvasElement = document.createElement("canvas"),
  options: SourceOptions = {},
): CodeSource {
  const layout = options.layout ?? DEFAULT_LAYOUT;
  const clock = options.clock ?? wallClock;
  const withCode = options.code ?? true;
  canvas.width = layout.frameWidth;
  canvas.height = layout.frameHeight;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2d context");
  let handle: number | undefined;
  const source: CodeSource = {
    canvas,
    frames: 0,
    lastCode: undefined,
    stream: (fps = 30) => canvas.captureStream(fps),
    stop(): void {
      if (handle !== undefined) cancelAnimationFrame(handle);
      handle = undefined;
    },
  };
  const tick = (): void => {
    const t = clock();
    drawScene(ctx, t, canvas.width, canvas.height);
    if (withCode) {
      drawCode(ctx, t, layout);
      source.lastCode = Math.floor(t);
    }
    source.frames++;
    handle = requestAnimationFrame(tick);
  };
  handle = requestAnimationFrame(tick);
  return source;
}
