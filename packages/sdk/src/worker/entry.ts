// The dedicated worker's entry point: the page's client (client.ts) starts it with
// `new Worker(new URL("./entry.ts", import.meta.url), { type: "module" })`.
import { type MessageEndpoint, WorkerService } from "./service.ts";

new WorkerService(globalThis as unknown as MessageEndpoint);
