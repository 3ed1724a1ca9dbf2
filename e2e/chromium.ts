// Debian's Chromium and the flags that work on this machine, for Playwright and the benchmarks.
// A test tool's own browser download cannot work here. No --disable-quic: WebTransport runs on QUIC.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/** For pages that use the camera, and for pages measured while another is open. */
export const MEDIA_ARGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--disable-renderer-backgrounding",
  "--disable-background-timer-throttling",
  "--disable-backgrounding-occluded-windows",
] as const;

/** For pages that play sound: an AudioContext (the player's audio worklet) runs without a user gesture only with this. */
export const AUTOPLAY_ARGS = ["--autoplay-policy=no-user-gesture-required"] as const;

/** Launch options of the specs whose pages capture and play: Debian's Chromium, media and autoplay flags. */
export const PLAYBACK_LAUNCH_OPTIONS = {
  executablePath: CHROMIUM,
  args: [...CHROMIUM_ARGS, ...MEDIA_ARGS, ...AUTOPLAY_ARGS],
};
