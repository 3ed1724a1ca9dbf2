// The worker's service on the page's own thread, over a MessageChannel: the same protocol and the
// same transfers, for tests and for pages that cannot start a Worker.
import { type ServiceDependencies, WorkerService } from "./service.ts";

/** Starts the service on one end of a new MessageChannel and returns the other end. */
export function startInlineWorker(deps: ServiceDependencies = {}): MessagePort {
  const channel = new MessageChannel();
  new WorkerService(channel.port2, deps);
  return channel.port1;
}
