// <moq-camera>: the Publisher as a web component, with attributes in the style of <video>.
//
//   <moq-camera relay="http://127.0.0.1:4443/" name="moqkit/alice" autostart muted></moq-camera>
//
// Attributes (read when publishing starts; change them, then stop() and start() to apply):
//   relay        the relay URL (`http://host:port/` for a local relay, or `https://...`)
//   name         the broadcast path, e.g. `moqkit/alice`
//   autostart    start publishing as soon as the element is in the document
//   muted        publish no audio
//   video-codec  preferred codec string(s), comma-separated, e.g. `avc1.42001f,vp8`
//   width, height, framerate, bitrate (bits/s), ttl (milliseconds)
// A number that does not parse is ignored, as <video width="abc"> ignores it.
//
// Properties: the same attributes (relay, name, autostart, muted, videoCodec, width, height, frameRate,
// bitrate, ttl), `stream` (a MediaStream to publish instead of the camera, like <video>.srcObject), and
// read-only `state`, `stats`, `catalog`. Methods: start(), stop(). Events: "statechange", "stats" (read
// the properties) and "error" (an ErrorEvent whose `error` is the PublisherError). The shadow root shows
// the local preview as a `<video muted playsinline>` exposed as `::part(preview)`.
//
// Removing the element from the document stops publishing.
import type { PublisherOptions, PublisherState, PublisherStats } from "./publisher.ts";
import { Publisher } from "./publisher.ts";

/** The element's state: the Publisher's, or "idle" before the first start(). */
export type MoqCameraState = "idle" | PublisherState;

const TAG = "moq-camera";

const STYLE = `
:host { display: inline-block; position: relative; width: 320px; aspect-ratio: 4 / 3; background: #000;
  overflow: hidden; contain: content; }
:host([hidden]) { display: none; }
video { display: block; width: 100%; height: 100%; object-fit: contain; background: #000; }
`;

// The module may be imported where there is no DOM (Node, a worker): the class must still evaluate.
const ElementBase: typeof HTMLElement =
  typeof HTMLElement === "undefined" ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

function numberAttribute(element: HTMLElement, name: string): number | undefined {
  const value = element.getAttribute(name);
  if (value === null || value.trim() === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

function setNumberAttribute(element: HTMLElement, name: string, value: number | undefined): void {
  if (value === undefined) element.removeAttribute(name);
  else element.setAttribute(name, String(value));
}

export class MoqCameraElement extends ElementBase {
  static readonly observedAttributes = ["autostart"];

  /** A MediaStream to publish in place of the camera and microphone (read at start()). */
  stream: MediaStream | undefined;

  readonly #video: HTMLVideoElement;
  #publisher: Publisher | undefined;
  #state: MoqCameraState = "idle";
  #starting: Promise<void> | undefined;
  /** Bumped by every stop(): a start that finishes under an older generation is stopped at once. */
  #generation = 0;
  #detach: (() => void) | undefined;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    this.#video = document.createElement("video");
    this.#video.muted = true;
    this.#video.playsInline = true;
    this.#video.autoplay = true;
    this.#video.setAttribute("part", "preview");
    root.append(style, this.#video);
  }

  // --- attributes, reflected as properties -----------------------------------------------------------

  get relay(): string {
    return this.getAttribute("relay") ?? "";
  }
  set relay(value: string) {
    this.setAttribute("relay", value);
  }

  get name(): string {
    return this.getAttribute("name") ?? "";
  }
  set name(value: string) {
    this.setAttribute("name", value);
  }

  get autostart(): boolean {
    return this.hasAttribute("autostart");
  }
  set autostart(value: boolean) {
    this.toggleAttribute("autostart", value);
  }

  /** No audio is published. */
  get muted(): boolean {
    return this.hasAttribute("muted");
  }
  set muted(value: boolean) {
    this.toggleAttribute("muted", value);
  }

  get videoCodec(): string {
    return this.getAttribute("video-codec") ?? "";
  }
  set videoCodec(value: string) {
    this.setAttribute("video-codec", value);
  }

  get width(): number | undefined {
    return numberAttribute(this, "width");
  }
  set width(value: number | undefined) {
    setNumberAttribute(this, "width", value);
  }

  get height(): number | undefined {
    return numberAttribute(this, "height");
  }
  set height(value: number | undefined) {
    setNumberAttribute(this, "height", value);
  }

  get frameRate(): number | undefined {
    return numberAttribute(this, "framerate");
  }
  set frameRate(value: number | undefined) {
    setNumberAttribute(this, "framerate", value);
  }

  /** Video bitrate, bits per second. */
  get bitrate(): number | undefined {
    return numberAttribute(this, "bitrate");
  }
  set bitrate(value: number | undefined) {
    setNumberAttribute(this, "bitrate", value);
  }

  /** Segment time to live, milliseconds. */
  get ttl(): number | undefined {
    return numberAttribute(this, "ttl");
  }
  set ttl(value: number | undefined) {
    setNumberAttribute(this, "ttl", value);
  }

  // --- what the publisher reports --------------------------------------------------------------------

  get state(): MoqCameraState {
    return this.#state;
  }

  /** The latest statistics; undefined until publishing has started. Kept after stop(). */
  get stats(): PublisherStats | undefined {
    return this.#publisher?.stats;
  }

  /** The catalog JSON being published, once there is one. */
  get catalog(): string | undefined {
    return this.#publisher?.catalog;
  }

  /** The element's preview, for pages that want to style or measure it. */
  get preview(): HTMLVideoElement {
    return this.#video;
  }

  // --- lifecycle -------------------------------------------------------------------------------------

  connectedCallback(): void {
    if (this.autostart) this.#autostart();
  }

  disconnectedCallback(): void {
    // A move within the document disconnects and reconnects in one task: stop only if it stays out.
    queueMicrotask(() => {
      if (!this.isConnected) void this.stop();
    });
  }

  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    if (name === "autostart" && value !== null && this.isConnected) this.#autostart();
  }

  /**
   * Starts publishing with the current attributes. Resolves once live (or reconnecting); rejects with the
   * PublisherError, which is also dispatched as an "error" event. Does nothing while already publishing.
   */
  start(): Promise<void> {
    if (this.#starting !== undefined) return this.#starting;
    if (this.#state === "live" || this.#state === "reconnecting") return Promise.resolve();
    this.#starting = this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  /** Stops publishing and releases the camera. Safe to call in any state. */
  async stop(): Promise<void> {
    this.#generation += 1;
    const starting = this.#starting;
    if (starting !== undefined) await starting.catch(() => undefined);
    const publisher = this.#publisher;
    if (publisher !== undefined && publisher.state !== "stopped" && publisher.state !== "failed") {
      await publisher.stop();
    }
    this.#video.srcObject = null;
    if (this.#state !== "idle" && this.#state !== "failed") this.#setState("stopped");
  }

  #autostart(): void {
    // Nobody awaits an autostart: its failure is reported by the "error" event and the state.
    this.start().catch(() => undefined);
  }

  async #start(): Promise<void> {
    const generation = this.#generation;
    this.#detach?.();
    this.#detach = undefined;
    this.#publisher = undefined;
    this.#setState("starting");
    let publisher: Publisher;
    try {
      publisher = await Publisher.start(this.#options());
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#setState("failed");
      this.#dispatchError(error);
      throw error;
    }
    if (generation !== this.#generation) {
      // stop() was called while starting.
      await publisher.stop();
      return;
    }
    this.#attach(publisher);
  }

  #options(): PublisherOptions {
    const codecs = this.videoCodec
      .split(",")
      .map((codec) => codec.trim())
      .filter((codec) => codec !== "");
    const video: Exclude<PublisherOptions["video"], false | undefined> = {};
    if (codecs.length > 0) video.codecs = codecs;
    if (this.width !== undefined) video.width = this.width;
    if (this.height !== undefined) video.height = this.height;
    if (this.frameRate !== undefined) video.frameRate = this.frameRate;
    if (this.bitrate !== undefined) video.bitrate = this.bitrate;
    const options: PublisherOptions = { relay: this.relay, name: this.name, video, preview: this.#video };
    if (this.muted) options.audio = false;
    if (this.ttl !== undefined) options.ttlMs = this.ttl;
    if (this.stream !== undefined) options.stream = this.stream;
    return options;
  }

  #attach(publisher: Publisher): void {
    this.#publisher = publisher;
    const onState = (): void => this.#setState(publisher.state);
    const onStats = (): void => {
      this.dispatchEvent(new Event("stats"));
    };
    const onError = (event: Event): void => this.#dispatchError((event as Event & { error?: unknown }).error);
    publisher.addEventListener("statechange", onState);
    publisher.addEventListener("stats", onStats);
    publisher.addEventListener("error", onError);
    this.#detach = () => {
      publisher.removeEventListener("statechange", onState);
      publisher.removeEventListener("stats", onStats);
      publisher.removeEventListener("error", onError);
    };
    this.#setState(publisher.state);
  }

  #setState(state: MoqCameraState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.dispatchEvent(new Event("statechange"));
  }

  #dispatchError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.dispatchEvent(new ErrorEvent("error", { error, message }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "moq-camera": MoqCameraElement;
  }
}

/** Defines <moq-camera> (once; later calls and a second copy of this module do nothing). */
export function defineMoqCamera(): void {
  if (typeof customElements === "undefined" || customElements.get(TAG) !== undefined) return;
  customElements.define(TAG, MoqCameraElement);
}

defineMoqCamera();
