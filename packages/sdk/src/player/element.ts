// <moq-player>: the Player as a web component, with attributes in the style of <video>.
//
//   <moq-player relay="http://127.0.0.1:4443/" name="moqkit/alice" autoplay muted></moq-player>
//
// Attributes (each reflected by the property of the same name):
//   relay      the relay URL (`http://host:port/` for a local relay: its certificate hash is fetched; or https://…)
//   name       the broadcast path, e.g. `moqkit/alice`
//   autoplay   play as soon as the element is in the document with a relay and a name
//   muted      no sound (audio is still decoded, so unmuting is instant)
//   volume     0..1 (default 1)
//   latency    the jitter buffer's floor in milliseconds (default DEFAULT_LATENCY_MS)
// A value that does not parse or is out of range is ignored (the default applies), as <video> ignores
// `volume="abc"`. Changing relay or name while a player runs closes it and starts a new one (playing
// unless it was paused); muted, volume and latency are applied to the running player at once.
//
// Read-only properties: `state` ("idle" before the first play, then the Player's state), `stats` (the
// Player's snapshot, undefined before the first play), `player` (the Player, undefined before the first
// play), `canvas`, `error` (the last PlayerError, cleared at the next start). Methods: play() (starts a
// player, or resumes at the live edge), pause(). Events, re-dispatched from the Player: "statechange",
// "stats" (read the properties) and "error" (a PlayerErrorEvent: `event.error` is the PlayerError).
//
// The shadow root is OPEN: the picture is its `<canvas>` (`element.shadowRoot.querySelector("canvas")`,
// or the `canvas` property), exposed as `::part(canvas)`. The canvas fills the element's width and keeps
// the video's aspect ratio (16:9 until the first picture). Over it, `::part(overlay)` says what is going
// on in words (connecting, waiting for the broadcast, reconnecting, ended, paused, errors); clicking it
// plays when paused or retries after a failure. `::part(unmute)` is the "click to unmute" button shown
// when the browser refused to start sound without a click.
//
// Removing the element from the document closes the player; putting it back starts a new one if autoplay.
import { PlayerError, PlayerErrorEvent } from "./errors.ts";
import { DEFAULT_LATENCY_MS, MAX_LATENCY_MS, type PlayerOptions } from "./options.ts";
import { Player, type PlayerState } from "./player.ts";
import type { PlayerStats } from "./stats.ts";

const TAG = "moq-player";

const STYLE = `
:host { display: block; position: relative; background: #000; overflow: hidden; contain: content;
  font: 14px/1.35 system-ui, sans-serif; color: #fff; }
:host([hidden]) { display: none; }
canvas { display: block; width: 100%; height: auto; }
.overlay { position: absolute; inset: 0; display: grid; place-items: center; padding: 12px; box-sizing: border-box;
  pointer-events: none; text-align: center; }
.overlay[hidden] { display: none; }
.overlay.clickable { pointer-events: auto; cursor: pointer; }
.overlay.dim { background: rgb(0 0 0 / 0.35); }
.box { max-width: min(34em, 100%); padding: 10px 16px; border-radius: 10px; background: rgb(0 0 0 / 0.68); }
.title { display: block; font-weight: 600; font-size: 1.05em; }
.detail { display: block; margin-top: 4px; color: #d2d2d7; font-size: 0.9em; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 4; -webkit-box-orient: vertical; overflow: hidden; }
.detail:empty, .action:empty { display: none; }
.action { display: block; margin-top: 6px; color: #8ec5ff; font-size: 0.9em; }
.overlay.error .box { background: rgb(90 10 10 / 0.82); }
/* Short states (loading a picture) appear only when they last, so a quick skip does not flash text. */
.overlay.slow { animation: appear 0s linear 0.6s both; }
@keyframes appear { from { visibility: hidden; } to { visibility: visible; } }
.unmute { position: absolute; left: 10px; bottom: 10px; display: inline-flex; align-items: center; gap: 6px;
  font: inherit; font-weight: 600; color: #fff; cursor: pointer;
  padding: 6px 12px; border-radius: 999px; border: 1px solid rgb(255 255 255 / 0.5); background: rgb(0 0 0 / 0.7); }
.unmute[hidden] { display: none; }
`;

// The module may be imported where there is no DOM (Node, a worker): the class must still evaluate.
const ElementBase: typeof HTMLElement =
  typeof HTMLElement === "undefined" ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

/** A number attribute within [min, max], or undefined when absent, unparsable or out of range. */
function numberAttribute(element: HTMLElement, name: string, min: number, max: number): number | undefined {
  const value = element.getAttribute(name);
  if (value === null || value.trim() === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= min && parsed <= max ? parsed : undefined;
}

function setNumberAttribute(element: HTMLElement, name: string, value: number | undefined): void {
  if (value === undefined) element.removeAttribute(name);
  else element.setAttribute(name, String(value));
}

function asPlayerError(error: unknown): PlayerError {
  if (error instanceof PlayerError) return error;
  return new PlayerError("failed", error instanceof Error ? error.message : String(error), { cause: error });
}

interface OverlayText {
  title: string;
  detail?: string;
  action?: string;
  /** Shown only if the state lasts (a picture is on its way); otherwise the picture is dimmed. */
  slow?: boolean;
  error?: boolean;
}

/** What went wrong, in words a viewer understands, and the error's own message as the detail. */
function describeError(error: PlayerError, relay: string, name: string): OverlayText {
  const detail = error.message;
  switch (error.code) {
    case "relay-unreachable":
      return { title: `Cannot reach the relay at ${relay}`, detail, error: true };
    case "certificate-rejected":
      return { title: "The relay's certificate was refused", detail, error: true };
    case "unauthorized":
      return { title: "The relay refused access (a token is missing or wrong)", detail, error: true };
    case "broadcast-not-found":
      return { title: `No broadcast named “${name}” on this relay`, detail, error: true };
    case "no-decodable-rendition":
      return { title: "This browser cannot decode this broadcast", detail, error: true };
    case "bad-argument":
      return { title: "The player's settings are wrong", detail, error: true };
    case "decode-error":
      return { title: "The video could not be decoded", detail, error: true };
    case "failed":
      return { title: "Playback failed", detail, error: true };
  }
}

export class MoqPlayerElement extends ElementBase {
  static readonly observedAttributes = ["relay", "name", "autoplay", "muted", "volume", "latency"];

  readonly #root: ShadowRoot;
  readonly #canvas: HTMLCanvasElement;
  readonly #overlay: HTMLDivElement;
  readonly #title: HTMLSpanElement;
  readonly #detail: HTMLSpanElement;
  readonly #action: HTMLSpanElement;
  readonly #unmute: HTMLButtonElement;
  #player: Player | undefined;
  #detach: (() => void) | undefined;
  #state: PlayerState = "idle";
  #error: PlayerError | undefined;
  /** A restart (relay or name changed) is queued for the end of this task: several changes make one. */
  #restartQueued = false;
  /** Sound was asked for but the browser holds it until the page is clicked (autoplay policy). */
  #soundBlocked = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    this.#canvas = document.createElement("canvas");
    // 16:9 until the player sizes it to the video.
    this.#canvas.width = 640;
    this.#canvas.height = 360;
    this.#canvas.setAttribute("part", "canvas");
    this.#canvas.dataset.testid = "moq-player-canvas";
    this.#canvas.setAttribute("role", "img");
    this.#canvas.setAttribute("aria-label", "Live video");

    this.#overlay = document.createElement("div");
    this.#overlay.className = "overlay";
    this.#overlay.setAttribute("part", "overlay");
    this.#overlay.setAttribute("role", "status");
    this.#overlay.setAttribute("aria-live", "polite");
    const box = document.createElement("div");
    box.className = "box";
    this.#title = document.createElement("span");
    this.#title.className = "title";
    this.#detail = document.createElement("span");
    this.#detail.className = "detail";
    this.#action = document.createElement("span");
    this.#action.className = "action";
    box.append(this.#title, this.#detail, this.#action);
    this.#overlay.append(box);
    this.#overlay.addEventListener("click", () => this.#onOverlayClick());

    this.#unmute = document.createElement("button");
    this.#unmute.type = "button";
    this.#unmute.className = "unmute";
    this.#unmute.setAttribute("part", "unmute");
    // A speaker with a cross, drawn (an emoji needs a font the system may not have).
    this.#unmute.innerHTML =
      '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M2 6h3l4-3v10l-4-3H2z"/>' +
      '<path stroke="currentColor" stroke-width="1.6" stroke-linecap="round" d="M11 6l4 4M15 6l-4 4"/></svg>' +
      "<span>Click to unmute</span>";
    this.#unmute.hidden = true;
    this.#unmute.addEventListener("click", (event) => {
      event.stopPropagation();
      this.#unblockSound();
    });

    this.#root.append(style, this.#canvas, this.#overlay, this.#unmute);
    this.#render();
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

  get autoplay(): boolean {
    return this.hasAttribute("autoplay");
  }
  set autoplay(value: boolean) {
    this.toggleAttribute("autoplay", value);
  }

  get muted(): boolean {
    return this.hasAttribute("muted");
  }
  set muted(value: boolean) {
    this.toggleAttribute("muted", value);
  }

  /** 0..1; 1 when the attribute is absent or not a number in range. */
  get volume(): number {
    return numberAttribute(this, "volume", 0, 1) ?? 1;
  }
  set volume(value: number) {
    setNumberAttribute(this, "volume", value);
  }

  /** The jitter buffer's floor (ms); undefined means the player's default. */
  get latency(): number | undefined {
    return numberAttribute(this, "latency", 0, MAX_LATENCY_MS);
  }
  set latency(value: number | undefined) {
    setNumberAttribute(this, "latency", value);
  }

  // --- what the player reports -----------------------------------------------------------------------

  get state(): PlayerState {
    return this.#state;
  }

  /** The player's latest statistics; undefined before the first play(). Kept after it closes. */
  get stats(): PlayerStats | undefined {
    return this.#player?.stats;
  }

  /** The Player behind the element (a new one after relay or name changed); undefined before the first play(). */
  get player(): Player | undefined {
    return this.#player;
  }

  /** Where the picture is drawn (in the open shadow root). */
  get canvas(): HTMLCanvasElement {
    return this.#canvas;
  }

  /** The last error, until the next start. */
  get error(): PlayerError | undefined {
    return this.#error;
  }

  // --- lifecycle -------------------------------------------------------------------------------------

  connectedCallback(): void {
    // Not in the constructor: an element must not gain attributes while it is being created.
    this.dataset.state = this.#state;
    const stopped = this.#player === undefined || this.#player.state === "closed";
    if (this.autoplay && stopped && this.#ready()) this.#start(true);
    // Without autoplay, Play is likely to come: have the worker started by then.
    else if (stopped) Player.prewarm();
  }

  disconnectedCallback(): void {
    // A move within the document disconnects and reconnects in one task: close only if it stays out.
    queueMicrotask(() => {
      if (!this.isConnected) this.#close();
    });
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    const player = this.#player;
    switch (name) {
      case "relay":
      case "name":
        if (player !== undefined || (this.autoplay && this.isConnected)) this.#queueRestart();
        else this.#render();
        break;
      case "autoplay":
        if (value !== null && this.isConnected && player === undefined && this.#ready()) this.#start(true);
        break;
      case "muted":
        if (player !== undefined) player.muted = this.muted;
        this.#checkSound();
        break;
      case "volume":
        if (player !== undefined) player.volume = this.volume;
        break;
      case "latency":
        if (player !== undefined) this.#applyLatency(player);
        break;
    }
  }

  /**
   * Plays: starts a player with the current attributes (or a new one after a failure), or resumes a
   * paused one at the live edge. Resolves once a picture is painted; rejects with the PlayerError,
   * which is also dispatched as an "error" event.
   */
  play(): Promise<void> {
    const player = this.#player;
    if (this.#restartQueued) {
      // relay or name just changed: start the new player now, playing.
      this.#restartQueued = false;
      return this.#start(true) ?? Promise.reject(this.#error);
    }
    if (player === undefined || player.state === "failed" || player.state === "closed") {
      return this.#start(true) ?? Promise.reject(this.#error);
    }
    return player.play();
  }

  /** Pauses: nothing is pulled and the picture stays; play() resumes at the live edge. */
  pause(): void {
    this.#player?.pause();
  }

  // --- inside ----------------------------------------------------------------------------------------

  #ready(): boolean {
    return this.relay.trim() !== "" && this.name.trim() !== "";
  }

  #queueRestart(): void {
    if (this.#restartQueued) return;
    this.#restartQueued = true;
    queueMicrotask(() => {
      if (!this.#restartQueued) return; // play() started it already
      this.#restartQueued = false;
      const old = this.#player;
      if (old === undefined) {
        if (this.autoplay && this.isConnected && this.#ready()) this.#start(true);
        else this.#render();
        return;
      }
      if (!this.isConnected) return;
      this.#start(old.state !== "paused");
    });
  }

  /**
   * Closes the current player and starts a new one with the current attributes; plays it if `play`.
   * Returns the play() promise (undefined when the options were refused: the error is reported).
   */
  #start(play: boolean): Promise<void> | undefined {
    // No "closed" in between: the state goes from the old player's to the new one's.
    this.#close(false);
    this.#error = undefined;
    this.#soundBlocked = false;
    // A new broadcast (or a retry) starts on a clear picture: resizing the canvas blanks it.
    this.#canvas.width = 640;
    this.#canvas.height = 360;
    const options: PlayerOptions = {
      relay: this.relay.trim(),
      name: this.name.trim(),
      canvas: this.#canvas,
      muted: this.muted,
      volume: this.volume,
      autoplay: play,
    };
    const latency = this.latency;
    if (latency !== undefined) options.latency = latency;
    let player: Player;
    try {
      player = new Player(options);
    } catch (error) {
      this.#fail(asPlayerError(error));
      return undefined;
    }
    this.#attach(player);
    if (!play) return undefined;
    // The constructor started it (autoplay): this is the same first-picture promise. Nobody may await
    // it; a failure is reported by the "error" event and the state.
    const playing = player.play();
    playing.catch(() => undefined);
    return playing;
  }

  #attach(player: Player): void {
    this.#player = player;
    const onState = (): void => {
      this.#setState(player.state);
    };
    const onStats = (): void => {
      this.#checkSound();
      this.dispatchEvent(new Event("stats"));
    };
    const onError = (event: Event): void => {
      const error = event instanceof PlayerErrorEvent ? event.error : asPlayerError((event as ErrorEvent).error);
      this.#error = error;
      this.#render();
      this.dispatchEvent(new PlayerErrorEvent(error));
    };
    player.addEventListener("statechange", onState);
    player.addEventListener("stats", onStats);
    player.addEventListener("error", onError);
    this.#detach = () => {
      player.removeEventListener("statechange", onState);
      player.removeEventListener("stats", onStats);
      player.removeEventListener("error", onError);
    };
    this.#setState(player.state);
  }

  /** Detaches and closes the current player (kept for its last stats). */
  #close(report = true): void {
    this.#detach?.();
    this.#detach = undefined;
    const player = this.#player;
    if (player !== undefined && player.state !== "closed") void player.close().catch(() => undefined);
    this.#soundBlocked = false;
    if (player !== undefined && report) this.#setState("closed");
  }

  #fail(error: PlayerError): void {
    this.#error = error;
    this.#setState("failed");
    this.#render();
    this.dispatchEvent(new PlayerErrorEvent(error));
  }

  #applyLatency(player: Player): void {
    player.latency = this.latency ?? DEFAULT_LATENCY_MS;
  }

  #setState(state: PlayerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.dataset.state = state;
    this.#checkSound();
    this.#render();
    this.dispatchEvent(new Event("statechange"));
  }

  /**
   * Whether the sound the player plays is held back by the browser's autoplay policy (a page nobody
   * clicked yet gets a suspended AudioContext): then the unmute button shows. The player's audio
   * starts by itself at the page's first click or key press, which also ends this.
   */
  #checkSound(): void {
    const player = this.#player;
    const blocked =
      !this.muted &&
      player !== undefined &&
      this.#state === "playing" &&
      player.stats.rendition.audio !== undefined &&
      soundNeedsGesture();
    if (blocked === this.#soundBlocked) return;
    this.#soundBlocked = blocked;
    this.#render();
  }

  #unblockSound(): void {
    // The button's pointerdown already let the player's AudioContext start (the player listens for
    // the page's first gesture): the hint goes.
    this.#soundBlocked = false;
    this.#render();
  }

  #onOverlayClick(): void {
    const state = this.#state;
    if (state === "paused" || state === "failed" || (state === "idle" && this.#ready())) {
      this.play().catch(() => undefined);
    }
  }

  #overlayText(): OverlayText | undefined {
    const relay = this.relay.trim();
    const name = this.name.trim();
    switch (this.#state) {
      case "idle":
        return this.#ready()
          ? { title: "▶ Click to play", detail: `${name} from ${relay}` }
          : { title: "No broadcast chosen", detail: "Give the player a relay and a broadcast name." };
      case "connecting":
        return { title: "Connecting to the relay…", detail: relay, slow: true };
      case "waiting":
        return {
          title: "Waiting for the broadcast to start…",
          detail: `Nothing is live as “${name}” yet; it plays here as soon as it starts.`,
        };
      case "buffering":
        return { title: "Loading…", slow: true };
      case "playing":
        return undefined;
      case "paused":
        return { title: "❚❚ Paused", action: "Click to play from the live edge" };
      case "reconnecting":
        return {
          title: "Connection lost: reconnecting…",
          detail: "The relay stopped answering; playback resumes by itself.",
        };
      case "ended":
        return {
          title: "The broadcast has ended",
          detail: "It plays here again if it comes back.",
        };
      case "failed": {
        const error = this.#error ?? new PlayerError("failed", "the player stopped");
        return { ...describeError(error, relay, name), action: "Click to try again" };
      }
      case "closed":
        return this.#restartQueued ? undefined : { title: "Stopped" };
    }
  }

  #render(): void {
    const text = this.#overlayText();
    this.#overlay.hidden = text === undefined;
    if (text !== undefined) {
      this.#title.textContent = text.title;
      this.#detail.textContent = text.detail ?? "";
      this.#action.textContent = text.action ?? "";
      this.#overlay.classList.toggle("slow", text.slow === true);
      this.#overlay.classList.toggle("dim", text.slow !== true);
      this.#overlay.classList.toggle("error", text.error === true);
      const state = this.#state;
      this.#overlay.classList.toggle(
        "clickable",
        state === "paused" || state === "failed" || (state === "idle" && this.#ready()),
      );
    }
    const live = this.#state !== "idle" && this.#state !== "failed" && this.#state !== "closed";
    this.#unmute.hidden = !(this.#soundBlocked && !this.muted && live);
  }
}

/** Whether this page may start sound without a click; asked once, before the first click. */
let autoplayAllowed: boolean | undefined;

/** True while the page may not start sound: nobody clicked it yet and the autoplay policy says no. */
function soundNeedsGesture(): boolean {
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
  if (activation === undefined || activation.hasBeenActive) return false;
  if (autoplayAllowed === undefined) {
    // A context created without a user activation starts suspended when the policy forbids sound
    // (Chromium, measured), running when the site may autoplay (e.g. media engagement).
    if (typeof AudioContext === "undefined") return false;
    const probe = new AudioContext();
    autoplayAllowed = probe.state === "running";
    void probe.close().catch(() => undefined);
  }
  return !autoplayAllowed;
}

/** The names this module's class is defined under. */
const definedNames = new Set<string>();

declare global {
  interface HTMLElementTagNameMap {
    "moq-player": MoqPlayerElement;
  }
}

/**
 * Defines the element as `tagName` (default <moq-player>). Once per name: later calls, and a second copy
 * of this module, do nothing. Another name gets its own subclass (a class may be defined only once).
 */
export function defineMoqPlayer(tagName = TAG): void {
  if (typeof customElements === "undefined" || customElements.get(tagName) !== undefined) return;
  customElements.define(tagName, definedNames.size > 0 ? class extends MoqPlayerElement {} : MoqPlayerElement);
  definedNames.add(tagName);
}

defineMoqPlayer();
