// Track aliases: data streams and datagrams name their subscription by the alias SUBSCRIBE_OK (or the
// peer's PUBLISH) gave it, and a stream may overtake the message that names its alias.
export class TrackAliases<T> {
  readonly #byAlias = new Map<number, T>();
  readonly #waiters = new Map<number, (() => void)[]>();

  has(alias: number): boolean {
    return this.#byAlias.has(alias);
  }

  get(alias: number): T | undefined {
    return this.#byAlias.get(alias);
  }

  /** Registers `alias` and wakes whoever waits for it. */
  set(alias: number, value: T): void {
    this.#byAlias.set(alias, value);
    const waiters = this.#waiters.get(alias);
    this.#waiters.delete(alias);
    for (const wake of waiters ?? []) wake();
  }

  /** Forgets `alias` if it still names `value`. */
  delete(alias: number, value: T): void {
    if (this.#byAlias.get(alias) === value) this.#byAlias.delete(alias);
  }

  /** What `alias` names, waiting up to `ms` for it to be registered; undefined if it is not by then. */
  async wait(alias: number, ms: number): Promise<T | undefined> {
    const known = this.#byAlias.get(alias);
    if (known !== undefined) return known;
    await new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(alias) ?? [];
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(wake), 1);
        if (waiters.length === 0 && this.#waiters.get(alias) === waiters) this.#waiters.delete(alias);
        resolve();
      }, ms);
      waiters.push(wake);
      this.#waiters.set(alias, waiters);
    });
    return this.#byAlias.get(alias);
  }

  /** The session ended: forget everything and let every waiter go. */
  clear(): void {
    this.#byAlias.clear();
    const waiters = [...this.#waiters.values()].flat();
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
