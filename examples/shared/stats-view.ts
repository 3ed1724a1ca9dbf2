// The live numbers under the plot, for both example pages: one <dt>/<dd> pair per row, refreshed in
// place. Each page lists its own rows (its stats-view.ts).
export interface Measured {
  /** Bits per second sent or received over the last interval, when known. */
  bitrate: number | undefined;
  /** False when no new picture or sound came since the last reading (paused, ended, failed): latencies are then of the past. */
  live?: boolean;
}

export interface Row<Stats> {
  key: string;
  label: string;
  value: (stats: Stats, measured: Measured) => string;
}

/**
 * Bits per second from a byte counter read at two times: undefined for the first reading, and when the
 * counter went back (a new session counts from zero).
 */
export function bitsPerSecond(
  previous: { time: number; bytes: number } | undefined,
  time: number,
  bytes: number,
): number | undefined {
  if (previous === undefined || bytes < previous.bytes) return undefined;
  return ((bytes - previous.bytes) * 8 * 1000) / (time - previous.time);
}

export function bits(value: number | undefined): string {
  if (value === undefined) return "–";
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} Mbit/s` : `${Math.round(value / 1e3)} kbit/s`;
}

export function bytes(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} GB`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} MB`;
  return `${Math.round(value / 1e3)} kB`;
}

export const count = (value: number): string => value.toLocaleString("en");

export class StatsView<Stats> {
  readonly #rows: readonly Row<Stats>[];
  readonly #values = new Map<string, HTMLElement>();

  constructor(list: HTMLDListElement, rows: readonly Row<Stats>[]) {
    this.#rows = rows;
    const items = rows.map(({ key, label }) => {
      const row = document.createElement("div");
      row.dataset.stat = key;
      const term = document.createElement("dt");
      term.textContent = label;
      const value = document.createElement("dd");
      value.textContent = "–";
      this.#values.set(key, value);
      row.append(term, value);
      return row;
    });
    list.replaceChildren(...items);
  }

  show(stats: Stats, measured: Measured): void {
    for (const row of this.#rows) {
      const value = this.#values.get(row.key);
      if (value !== undefined) value.textContent = row.value(stats, measured);
    }
  }
}
