// Starts the real relay process (Deno) for a test, on a free port, and reads what it prints.
import { type DenoProcess, startDenoProgram } from "./deno-process.ts";

export type RelayProcess = DenoProcess;

export function startRelay(args: string[] = [], timeoutMs = 20_000): Promise<RelayProcess> {
  return startDenoProgram("moqkit relay", "packages/relay/src/main.ts", ["--port", "0", ...args], timeoutMs);
}
