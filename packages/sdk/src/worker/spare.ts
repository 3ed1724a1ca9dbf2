// One thing started ahead of need, for the next taker: here a moqkit Worker. Starting a dedicated
// Worker (a thread, then fetching, compiling and running the bundled worker script) is most of a new
// Player's cold start: 70–120 ms of bench:player's ~130–200 ms, against 25–55 ms for the connection
// itself. So once a page has used one, the next is started while the page is idle, the way Chromium
// keeps a spare renderer process: a second player on the page, or the same one after close(), starts
// at the speed of its connection. Nothing is started before the page asks (take() or prewarm()).

export interface SpareOptions<T> {
  start: () => T;
  /** Stops a spare that is let go of (dispose()). */
  stop: (spare: T) => void;
  /** After a take, the next spare is started this much later, so it does not compete with the start-up in progress (ms). */
  refillDelayMs: number;
  setTimer?: (callback: () => void, delayMs: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class Spare<T> {
  readonly #options: SpareOptions<T>;
  #spare: T | undefined;
  #refill: unknown;

  constructor(options: SpareOptions<T>) {
    this.#options = options;
  }

  /** Whether one is started and waiting. */
  get ready(): boolean {
    return this.#spare !== undefined;
  }

  /** Starts one now unless one is waiting already. */
  prewarm(): void {
    this.#cancelRefill();
    this.#spare ??= this.#options.start();
  }

  /** The waiting one, or a new one; either way another is started refillDelayMs later. */
  take(): T {
    const taken = this.#spare ?? this.#options.start();
    this.#spare = undefined;
    this.#cancelRefill();
    const setTimer = this.#options.setTimer ?? ((callback, delayMs) => setTimeout(callback, delayMs));
    this.#refill = setTimer(() => {
      this.#refill = undefined;
      this.#spare ??= this.#options.start();
    }, this.#options.refillDelayMs);
    return taken;
  }

  /** Stops the waiting one and any refill to come. */
  dispose(): void {
    this.#cancelRefill();
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined) this.#options.stop(spare);
  }

  #cancelRefill(): void {
    if (this.#refill === undefined) return;
    const clearTimer = this.#options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
    clearTimer(this.#refill);
    this.#refill = undefined;
  }
}
