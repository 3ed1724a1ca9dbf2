// A namespace this session publishes (PUBLISH_NAMESPACE) and the tracks it serves by name.
import { TrackSubscriber } from "../cache/index.ts";
import type { Namespace } from "../wire/index.ts";
import { SessionArgumentError } from "./errors.ts";
import { type TrackNameInput, toTrackName, trackNameKey } from "./names.ts";
import type { ServedTrack } from "./served-track.ts";

export interface TrackOptions {
  /** 2 (newest group first, the default for live media) or 1 (oldest first). */
  groupOrder?: 1 | 2;
  /** How long relays may serve this track's groups from cache, in ms (MAX_CACHE_DURATION). */
  maxCacheDurationMs?: number;
  /** Told each object written to a subscriber's stream (ServedTrack.onObjectSent). */
  onObjectSent?: (group: number, object: number, payload: Uint8Array) => void;
}

export class Broadcast {
  readonly namespace: Namespace;
  /** Resolves on PUBLISH_NAMESPACE_OK; rejects with a RequestError (or the SessionError) otherwise. */
  readonly ready: Promise<void>;
  /** By trackNameKey(): names are bytes, compared exactly. */
  readonly #tracks = new Map<string, ServedTrack>();
  readonly #onClose: (broadcast: Broadcast) => void;
  #closed = false;

  /** @internal use session.publish() */
  constructor(namespace: Namespace, ready: Promise<void>, onClose: (broadcast: Broadcast) => void) {
    this.namespace = namespace;
    this.ready = ready;
    this.#onClose = onClose;
    // A refusal is also reported through `ready`; do not let it go unhandled when nobody awaits it.
    ready.catch(() => {});
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Serves `track` under `name`. The broadcast keeps a clone of the reader (never read itself, only
   * cloned per subscriber) and closes that clone on removeTrack() or close(), or when the session
   * ends; the caller's reader stays the caller's to close.
   */
  addTrack(name: TrackNameInput, track: TrackSubscriber, options: TrackOptions = {}): void {
    if (this.#closed) throw new SessionArgumentError("the broadcast is closed");
    if (!(track instanceof TrackSubscriber)) throw new SessionArgumentError("addTrack needs a TrackSubscriber");
    if (track.isClosed) throw new SessionArgumentError("addTrack needs an open TrackSubscriber");
    const trackName = toTrackName(name);
    const key = trackNameKey(trackName);
    if (this.#tracks.has(key))
      throw new SessionArgumentError(
        `the broadcast already has a track named ${typeof name === "string" ? JSON.stringify(name) : `bytes ${key}`}`,
      );
    const { groupOrder, maxCacheDurationMs, onObjectSent } = options;
    if (onObjectSent !== undefined && typeof onObjectSent !== "function")
      throw new SessionArgumentError("onObjectSent must be a function");
    if (groupOrder !== undefined && groupOrder !== 1 && groupOrder !== 2) {
      throw new SessionArgumentError(`groupOrder must be 1 or 2, got ${String(groupOrder)}`);
    }
    if (maxCacheDurationMs !== undefined && !(Number.isSafeInteger(maxCacheDurationMs) && maxCacheDurationMs >= 0)) {
      throw new SessionArgumentError(`maxCacheDurationMs must be a non-negative integer, got ${maxCacheDurationMs}`);
    }
    this.#tracks.set(key, {
      track: track.clone(),
      groupOrder: groupOrder ?? 2,
      maxCacheDurationMs,
      ...(onObjectSent === undefined ? {} : { onObjectSent }),
    });
  }

  removeTrack(name: TrackNameInput): void {
    const key = trackNameKey(toTrackName(name));
    this.#tracks.get(key)?.track.close();
    this.#tracks.delete(key);
  }

  /** @internal */
  track(name: Uint8Array): ServedTrack | undefined {
    return this.#tracks.get(trackNameKey(name));
  }

  /** Stops publishing: PUBLISH_NAMESPACE_DONE, and the broadcast's clones of the readers are closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const served of this.#tracks.values()) served.track.close();
    this.#tracks.clear();
    this.#onClose(this);
  }
}
