/** What a segment is: its place in the track, how much it matters, and how long it lives. */
export interface SegmentInfo {
  /** Position in the track: a non-negative safe integer, unique within the track. */
  sequence: number;
  /** Lower value = more important (as in MoQ Transport). An integer. */
  priority: number;
  /** Time to live in milliseconds from insertion into a track; absent = lives as long as the track. */
  expiresMs?: number;
}

/** Checks every field, throwing a TypeError that names the bad one; returns a frozen copy. */
export function validateSegmentInfo(info: SegmentInfo): Readonly<SegmentInfo> {
  if (typeof info !== "object" || info === null) {
    throw new TypeError(`segment info must be an object, got ${describe(info)}`);
  }
  const { sequence, priority, expiresMs } = info;
  if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 0) {
    throw new TypeError(`sequence must be a non-negative safe integer, got ${describe(sequence)}`);
  }
  if (typeof priority !== "number" || !Number.isSafeInteger(priority)) {
    throw new TypeError(`priority must be an integer, got ${describe(priority)}`);
  }
  if (expiresMs !== undefined && (typeof expiresMs !== "number" || !Number.isFinite(expiresMs) || expiresMs < 0)) {
    throw new TypeError(`expiresMs must be a finite number >= 0 or undefined, got ${describe(expiresMs)}`);
  }
  return Object.freeze(expiresMs === undefined ? { sequence, priority } : { sequence, priority, expiresMs });
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}
