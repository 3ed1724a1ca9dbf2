// What the page says about each state and each error, in words a person can act on.
import { type MoqCameraState, PublisherError } from "@moqkit/sdk/publisher";
import { certificateAdvice, errorMessage } from "../../shared/messages.ts";

export interface StateText {
  /** A word or two for the badge over the preview. */
  badge: string;
  /** One sentence under the controls. */
  line: string;
}

export function stateText(state: MoqCameraState, relay: string, muted: boolean): StateText {
  switch (state) {
    case "idle":
      return { badge: "Off air", line: "Not publishing. Start asks for your camera and microphone." };
    case "starting":
      return { badge: "Starting…", line: `Opening the camera and connecting to ${relay}…` };
    case "live":
      return {
        badge: "Live",
        line: `Live: anyone with the watch link ${muted ? "sees you (no audio)" : "sees and hears you"}.`,
      };
    case "reconnecting":
      return {
        badge: "Reconnecting…",
        line: "The relay connection dropped. Reconnecting; the camera keeps running and the newest video goes out first.",
      };
    case "stopped":
      return { badge: "Off air", line: "Stopped. The camera is off." };
    case "failed":
      return { badge: "Failed", line: "Publishing failed; see below." };
  }
}

/** What went wrong and what to do about it. */
export function errorAdvice(error: unknown, relay: string): string {
  const message = errorMessage(error);
  if (!(error instanceof PublisherError)) return `Something went wrong: ${message}`;
  switch (error.code) {
    case "permission-denied":
      return "The browser was not allowed to use the camera or microphone. Allow them for this page (the camera icon in the address bar), then press Start again. Tick “No audio” to publish without the microphone.";
    case "no-camera":
      return "No camera was found, or another application holds it. Connect or free a camera, then press Start again.";
    case "no-codec":
      return `This browser cannot encode any of the video codecs tried (${message}). A recent Chrome or Edge can.`;
    case "relay-unreachable":
      return `The relay at ${relay} does not answer (${message}). Is it running? “npm start” runs one at http://127.0.0.1:4443/.`;
    case "certificate-rejected":
      return certificateAdvice(relay, message, "the page");
    case "bad-argument":
      return `${message}. Check the relay address and the broadcast name.`;
    case "failed":
      return `Publishing failed: ${message}`;
  }
}
