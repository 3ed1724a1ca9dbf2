// The result of SUBSCRIBE_NAMESPACE: the namespaces the peer publishes under a prefix, now and later.
import type { Namespace } from "../wire/index.ts";

export interface NamespaceEvent {
  namespace: Namespace;
  /** true: published (PUBLISH_NAMESPACE); false: no longer (PUBLISH_NAMESPACE_DONE). */
  active: boolean;
}

/** Bounded so that a peer flooding announcements cannot grow memory without end. */
const MAX_QUEUED = 4096;

export class NamespaceWatcher {
  readonly prefix: Namespace;
  /** Resolves on SUBSCRIBE_NAMESPACE_OK; rejects with a RequestError otherwise. */
  readonly ready: Promise<void>;
  readonly #queue: NamespaceEvent[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #error: Error | undefined;
  readonly #onClose: () => void;

  /** @internal use session.subscribeNamespace() */
  constructor(prefix: Namespace, ready: Promise<void>, onClose: () => void) {
    this.prefix = prefix;
    this.ready = ready;
    this.#onClose = onClose;
    ready.catch((error: Error) => this.end(error));
  }

  /** The next change, waiting for one; `undefined` once closed. Rejects if the subscription failed. */
  async next(): Promise<NamespaceEvent | undefined> {
    for (;;) {
      const event = this.#queue.shift();
      if (event !== undefined) return event;
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<NamespaceEvent> {
    for (let event = await this.next(); event !== undefined; event = await this.next()) yield event;
  }

  /** UNSUBSCRIBE_NAMESPACE. */
  close(): void {
    if (this.#ended) return;
    this.end();
    this.#onClose();
  }

  /** @internal */
  push(event: NamespaceEvent): void {
    if (this.#ended || this.#queue.length >= MAX_QUEUED) return;
    this.#queue.push(event);
    this.#wakeUp();
  }

  /** @internal */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
