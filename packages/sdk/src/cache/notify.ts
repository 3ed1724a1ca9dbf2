/**
 * A wake-up shared by every waiter: `wait()` resolves at the next `notify()`.
 * One promise serves all waiters of one change, so a fan-out to many readers
 * costs one allocation per change, not one per reader.
 */
export class Notify {
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  wait(): Promise<void> {
    if (this.#promise === undefined) {
      this.#promise = new Promise<void>((resolve) => {
        this.#resolve = resolve;
      });
    }
    return this.#promise;
  }

  notify(): void {
    const resolve = this.#resolve;
    this.#promise = undefined;
    this.#resolve = undefined;
    resolve?.();
  }
}
