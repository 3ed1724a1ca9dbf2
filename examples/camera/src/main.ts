// The camera page: a <moq-camera> and what a person needs around it (controls, the link to share,
// the state in words, live numbers and a plot). Takes ?relay=…&name=…&autostart=1.
import { defineMoqCamera, type MoqCameraElement } from "@moqkit/sdk/publisher";
import { element } from "../../shared/dom.ts";
import { StatsPlot } from "../../shared/plot.ts";
import { bitsPerSecond, StatsView } from "../../shared/stats-view.ts";
import { listEncoders } from "./encoders.ts";
import { errorAdvice, stateText } from "./messages.ts";
import { readParams, rememberParams, watchLink } from "./params.ts";
import { PLOT } from "./plot.ts";
import { ROWS } from "./stats-view.ts";

defineMoqCamera();
const camera = element<MoqCameraElement>("camera");
const ui = {
  start: element<HTMLButtonElement>("start"),
  stop: element<HTMLButtonElement>("stop"),
  muted: element<HTMLInputElement>("muted"),
  relay: element<HTMLInputElement>("relay"),
  name: element<HTMLInputElement>("name"),
  watch: element<HTMLAnchorElement>("watch"),
  copy: element<HTMLButtonElement>("copy"),
  badge: element<HTMLSpanElement>("badge"),
  state: element<HTMLParagraphElement>("state"),
  error: element<HTMLParagraphElement>("error"),
  statsTitle: element<HTMLHeadingElement>("stats-title"),
};
const plot = new StatsPlot(element<HTMLCanvasElement>("plot"), PLOT);
const statsView = new StatsView(element<HTMLDListElement>("stats"), ROWS);
const params = readParams(location.search);

ui.relay.value = params.relay;
ui.name.value = params.name;

/** The broadcast's settings, from the form into the element, the address bar and the watch link. */
function applySettings(): void {
  const relay = ui.relay.value.trim();
  const name = ui.name.value.trim();
  camera.relay = relay;
  camera.name = name;
  camera.muted = ui.muted.checked;
  rememberParams(relay, name);
  ui.watch.href = watchLink(params.player, relay, name);
  ui.watch.textContent = ui.watch.href;
}

function showState(): void {
  const state = camera.state;
  const text = stateText(state, camera.relay, camera.muted);
  document.body.dataset.state = state;
  ui.badge.textContent = text.badge;
  ui.state.textContent = text.line;
  const busy = state === "starting" || state === "live" || state === "reconnecting";
  ui.start.disabled = busy;
  ui.stop.disabled = !busy;
  for (const input of [ui.relay, ui.name, ui.muted]) input.disabled = busy;
  if (state === "starting") ui.error.hidden = true;
}

// Bitrate is measured here, from bytes sent between two samples; the plot takes at most two a second.
let previous: { time: number; bytes: number } | undefined;
function sampleStats(): void {
  const stats = camera.stats;
  if (stats === undefined) return;
  const time = performance.now();
  if (previous !== undefined && time - previous.time < 500) return;
  const bitrate = bitsPerSecond(previous, time, stats.bytesSent);
  previous = { time, bytes: stats.bytesSent };
  // Before the first frame is on the wire there is no capture-to-wire time to plot.
  const sent = stats.segmentsSent > 0 || stats.bytesSent > 0;
  plot.add({
    time,
    bitrate,
    p50: sent ? stats.captureToWireMs.p50 : undefined,
    p95: sent ? stats.captureToWireMs.p95 : undefined,
  });
  statsView.show(stats, { bitrate });
  document.body.dataset.stats = "true";
}

camera.addEventListener("statechange", () => {
  showState();
  if (camera.state === "starting") {
    previous = undefined;
    plot.clear();
    ui.statsTitle.textContent = "Live stats";
  }
  if (camera.state === "stopped" || camera.state === "failed") {
    // The totals stay; a rate would be stale.
    const stats = camera.stats;
    if (stats !== undefined) statsView.show(stats, { bitrate: undefined });
    if (previous !== undefined) ui.statsTitle.textContent = "Stats of the last broadcast";
  }
});
camera.addEventListener("stats", sampleStats);
camera.addEventListener("error", (event) => {
  ui.error.textContent = errorAdvice(event.error, camera.relay);
  ui.error.hidden = false;
});
// The publisher's own stats events drive the numbers; this keeps the plot moving if they pause.
setInterval(() => {
  if (camera.state === "live" || camera.state === "reconnecting") sampleStats();
  else plot.draw();
}, 1000);

for (const input of [ui.relay, ui.name, ui.muted]) input.addEventListener("change", applySettings);
ui.start.addEventListener("click", () => {
  applySettings();
  // A failure arrives as the "error" event, shown above.
  camera.start().catch(() => undefined);
});
ui.stop.addEventListener("click", () => void camera.stop());
ui.copy.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(ui.watch.href);
    ui.copy.textContent = "Copied";
  } catch {
    ui.copy.textContent = "Select and copy";
  }
  setTimeout(() => {
    ui.copy.textContent = "Copy";
  }, 1500);
});

applySettings();
showState();
document.body.dataset.ready = "true";
void listEncoders(element<HTMLUListElement>("encoders"));
if (params.autostart) ui.start.click();
