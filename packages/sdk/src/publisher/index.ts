// The camera publisher: capture on the page, encode/segment/publish in the moqkit worker.
export { buildCatalog, type EncodedAudio, type EncodedVideo } from "./catalog-builder.ts";
export { defineMoqCamera, MoqCameraElement, type MoqCameraState } from "./element.ts";
export { PublisherError, type PublisherErrorCode, PublisherErrorEvent } from "./errors.ts";
export {
  type AudioOptions,
  DEFAULT_AUDIO_FRAME_MS,
  DEFAULT_KEY_FRAME_INTERVAL_MS,
  DEFAULT_TTL_MS,
  DEFAULT_VIDEO_CODECS,
  type PublisherOptions,
  type VideoOptions,
} from "./options.ts";
export { Publisher, type PublisherState, type PublisherStats } from "./publisher.ts";
