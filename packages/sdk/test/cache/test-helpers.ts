// Shared by the cache's tests only.
import { setImmediate } from "node:timers";

/** Lets every queued microtask and promise continuation run (a macrotask boundary; not faked in tests). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export type Settlement<T> =
  | { state: "pending" }
  | { state: "fulfilled"; value: T }
  | { state: "rejected"; reason: unknown };

/** Watches a promise so a test can ask, at any moment, whether and how it settled. */
export function watch<T>(promise: Promise<T>): { readonly current: Settlement<T> } {
  const box: { current: Settlement<T> } = { current: { state: "pending" } };
  promise.then(
    (value) => {
      box.current = { state: "fulfilled", value };
    },
    (reason: unknown) => {
      box.current = { state: "rejected", reason };
    },
  );
  return box;
}

export function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}
