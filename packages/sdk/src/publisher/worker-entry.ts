// The publisher's worker: the moqkit worker with the camera pipeline plugged in (media-publish),
// started by Publisher. The player's worker (worker/entry.ts) carries no encoder code.
import { type MessageEndpoint, WorkerService } from "../worker/service.ts";
import { MediaPipeline } from "./media-pipeline.ts";

new WorkerService(globalThis as unknown as MessageEndpoint, {
  startMedia: (request, tracks, host) => MediaPipeline.start(request, tracks, host),
});
