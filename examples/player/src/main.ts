// The player page: a <moq-player> and what a person needs around it (play, sound and latency
// controls, the broadcast to watch, the state in words, live numbers and a plot).
// Takes ?relay=…&name=…&autoplay=1&latency=… (the camera page's watch link gives relay and name).
import { DEFAULT_LATENCY_MS, defineMoqPlayer, type MoqPlayerElement, type Player } from "@moqkit/sdk/player";
import { element } from "../../shared/dom.ts";
import { StatsPlot } from "../../shared/plot.ts";
import { bitsPerSecond, StatsView } from "../../shared/stats-view.ts";
import { listDecoders } from "./decoders.ts";
import { errorAdvice, stateText, warningText } from "./messages.ts";
import { cameraLink, readParams, rememberParams } from "./params.ts";
import { PLOT } from "./plot.ts";
import { ROWS } from "./stats-view.ts";

defineMoqPlayer();
const player = element<MoqPlayerElement>("player");
const ui = {
  play: element<HTMLButtonElement>("play"),
  mute: element<HTMLButtonElement>("mute"),
  volume: element<HTMLInputElement>("volume"),
  latency: element<HTMLInputElement>("latency"),
  form: element<HTMLFormElement>("broadcast"),
  relay: element<HTMLInputElement>("relay"),
  name: element<HTMLInputElement>("name"),
  cameraLink: element<HTMLAnchorElement>("camera-link"),
  state: element<HTMLParagraphElement>("state"),
  error: element<HTMLParagraphElement>("error"),
  statsTitle: element<HTMLHeadingElement>("stats-title"),
};
const plot = new StatsPlot(element<HTMLCanvasElement>("plot"), PLOT);
const statsView = new StatsView(element<HTMLDListElement>("stats"), ROWS);
const params = readParams(location.search);

ui.relay.value = params.relay;
ui.name.value = params.name;
ui.latency.placeholder = String(DEFAULT_LATENCY_MS);
if (params.latency !== undefined) ui.latency.value = String(params.latency);

function latencyField(): number | undefined {
  const value = ui.latency.valueAsNumber;
  return ui.latency.value.trim() !== "" && Number.isFinite(value) && value >= 0 && value <= 10_000 ? value : undefined;
}

/** The relay and name from the form into the element and the address bar. */
function applyBroadcast(): void {
  const relay = ui.relay.value.trim();
  const name = ui.name.value.trim();
  player.relay = relay;
  player.name = name;
  rememberParams(relay, name, latencyField());
  ui.cameraLink.href = cameraLink(params.camera, relay);
}

/** States in which the player is busy (Play/Pause shows "Pause"). */
const ACTIVE = new Set(["connecting", "waiting", "buffering", "playing", "reconnecting", "ended"]);

function showState(): void {
  const state = player.state;
  document.body.dataset.state = state;
  ui.state.textContent = stateText(state, player.relay, player.name);
  ui.play.textContent = ACTIVE.has(state) ? "Pause" : "Play";
  if (state === "connecting") ui.error.hidden = true;
}

function showSound(): void {
  ui.mute.textContent = player.muted ? "Unmute" : "Mute";
  ui.mute.setAttribute("aria-pressed", String(player.muted));
  ui.volume.value = String(Math.round(player.volume * 100));
}

// The bitrate is measured here, from bytes received between two samples.
let previous: { time: number; bytes: number; framesRendered: number; audioFrames: number } | undefined;
let sampled: Player | undefined;
function sampleStats(): void {
  const stats = player.stats;
  if (stats === undefined) return;
  if (player.player !== sampled) {
    // A new player (another broadcast, or a retry): a new plot.
    sampled = player.player;
    previous = undefined;
    plot.clear();
    ui.statsTitle.textContent = "Live stats";
  }
  const time = performance.now();
  if (previous !== undefined && time - previous.time < 400) return;
  const bitrate = bitsPerSecond(previous, time, stats.bytesReceived);
  // The latency is that of the last picture painted: while none is (paused, ended, waiting) the plot
  // shows a gap, not the old value again.
  const painting = previous === undefined || stats.framesRendered > previous.framesRendered;
  // Audio only: the sound playing on is what keeps the numbers current.
  const live = painting || stats.audioFramesPlayed > (previous?.audioFrames ?? 0);
  previous = {
    time,
    bytes: stats.bytesReceived,
    framesRendered: stats.framesRendered,
    audioFrames: stats.audioFramesPlayed,
  };
  const { last, p95 } = stats.latencyMs;
  plot.add({
    time,
    last: painting && Number.isFinite(last) ? last : undefined,
    p95: painting && Number.isFinite(p95) ? p95 : undefined,
    bitrate,
  });
  statsView.show(stats, { bitrate, live });
  document.body.dataset.stats = "true";
}

player.addEventListener("statechange", () => {
  showState();
  const state = player.state;
  if (!ACTIVE.has(state)) {
    // Paused, failed or closed: the totals stay; a rate or a latency would be stale.
    const stats = player.stats;
    if (stats !== undefined) statsView.show(stats, { bitrate: undefined, live: false });
  }
  if ((state === "failed" || state === "closed") && previous !== undefined) {
    ui.statsTitle.textContent = "Stats of the last playback";
  }
});
player.addEventListener("stats", sampleStats);
player.addEventListener("error", () => {
  const error = player.error;
  // A failure stops playback (state "failed"); anything else is a problem playback survives.
  const fatal = player.state === "failed";
  ui.error.textContent = fatal ? errorAdvice(error, player.relay, player.name) : warningText(error);
  ui.error.classList.toggle("warning", !fatal);
  ui.error.hidden = false;
});
// The player's stats events drive the numbers; this keeps the plot moving if they pause.
setInterval(() => {
  if (ACTIVE.has(player.state)) sampleStats();
  else plot.draw();
}, 1000);

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  applyBroadcast();
  // A failure arrives as the "error" event, shown above.
  player.play().catch(() => undefined);
});
ui.play.addEventListener("click", () => {
  if (ACTIVE.has(player.state)) {
    player.pause();
    return;
  }
  if (player.state === "paused") {
    player.play().catch(() => undefined);
    return;
  }
  // Not started, stopped or failed: start with what the form says (the form checks it first).
  ui.form.requestSubmit();
});
ui.mute.addEventListener("click", () => {
  player.muted = !player.muted;
  if (!player.muted && player.volume === 0) player.volume = 0.5;
  showSound();
});
ui.volume.addEventListener("input", () => {
  player.volume = Number(ui.volume.value) / 100;
  if (player.volume > 0 && player.muted) player.muted = false;
  showSound();
});
ui.latency.addEventListener("change", () => {
  const latency = latencyField();
  if (ui.latency.value.trim() !== "" && latency === undefined) {
    ui.latency.setCustomValidity("0 to 10000 ms");
    ui.latency.reportValidity();
    return;
  }
  ui.latency.setCustomValidity("");
  player.latency = latency;
  rememberParams(player.relay || ui.relay.value.trim(), player.name || ui.name.value.trim(), latency);
});

player.latency = params.latency;
applyBroadcast();
showState();
showSound();
if (params.autoplay && params.name !== "") player.autoplay = true;
document.body.dataset.ready = "true";
void listDecoders(element<HTMLUListElement>("decoders"));
