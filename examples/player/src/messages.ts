// What the page says about each state and each error, in words a person can act on.
import { PlayerError, type PlayerState } from "@moqkit/sdk/player";
import { certificateAdvice, errorMessage } from "../../shared/messages.ts";

export function stateText(state: PlayerState, relay: string, name: string): string {
  switch (state) {
    case "idle":
      return name === ""
        ? "Nothing to watch yet: enter the broadcast name (the camera page shows it in its watch link), then press Watch."
        : `Ready to watch “${name}”: press Play.`;
    case "connecting":
      return `Connecting to ${relay}…`;
    case "waiting":
      return `Connected. “${name}” is not live yet: it starts playing here as soon as its publisher goes on air.`;
    case "buffering":
      return `Loading “${name}”…`;
    case "playing":
      return `Playing “${name}” live.`;
    case "paused":
      return "Paused. Play resumes at the live edge, not where it stopped.";
    case "reconnecting":
      return "The relay connection dropped. Reconnecting; playback resumes by itself.";
    case "ended":
      return `“${name}” has ended (its publisher left). It plays here again if it comes back.`;
    case "failed":
      return "Playback stopped; see below.";
    case "closed":
      return "Stopped.";
  }
}

/**
 * A problem playback survives (the player reports it and goes on): what it means for the viewer.
 * The player's audio errors say "audio" first; the rest are the video decoder's.
 */
export function warningText(error: unknown): string {
  const message = errorMessage(error).replace(/\.+$/, "");
  if (/^audio\b/i.test(message)) return `No sound: ${message}. The picture plays on.`;
  if (error instanceof PlayerError && error.code === "decode-error") {
    return `A picture could not be decoded (${message}); the video goes on from the next key frame.`;
  }
  return `Playback goes on after a problem: ${message}`;
}

/** What went wrong and what to do about it. */
export function errorAdvice(error: unknown, relay: string, name: string): string {
  const message = errorMessage(error);
  if (!(error instanceof PlayerError)) return `Something went wrong: ${message}`;
  switch (error.code) {
    case "relay-unreachable":
      return `The relay at ${relay} does not answer (${message}). Is it running, and is the address right? “npm start” runs one at http://127.0.0.1:4443/.`;
    case "certificate-rejected":
      return certificateAdvice(relay, message, "the player");
    case "unauthorized":
      return `The relay refused the connection (${message}): it wants a token this page does not have.`;
    case "broadcast-not-found":
      return `The relay has no broadcast named “${name}” (${message}). Check the name: the camera page shows it, and its watch link opens this page with it.`;
    case "no-decodable-rendition":
      return `This browser cannot decode what the broadcast offers (${message}). See “What this browser can decode” below.`;
    case "bad-argument":
      return `${message}. Check the relay address and the broadcast name.`;
    case "decode-error":
      return `The video could not be decoded (${message}). Press Watch to try again.`;
    case "failed":
      return `Playback failed: ${message}`;
  }
}
