// The live player: pull from the moqkit worker, decode with WebCodecs, paint and play at the lowest latency.

export { AudioPlayback, type AudioPlaybackOptions, type AudioPlaybackStats } from "./audio/playback.ts";
export { defineMoqPlayer, MoqPlayerElement } from "./element.ts";
export { PlayerError, type PlayerErrorCode, PlayerErrorEvent } from "./errors.ts";
export { DEFAULT_LATENCY_MS, MAX_LATENCY_MS, type PlayerOptions } from "./options.ts";
export { Player, type PlayerInternals, type PlayerState } from "./player.ts";
export type { PlayerStats } from "./stats.ts";
