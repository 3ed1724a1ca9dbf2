// What each subscriber session reports to the orchestrator (bench/relay-fanout.ts), as JSON.

export interface SessionReport {
  /** Group sequences, in arrival order. */
  seqs: number[];
  /** Publish-to-receive delay of each, in ms. */
  delays: number[];
  /** Groups that ended without an object (the relay cut them: delivery timeout). */
  empty: number;
  /** Groups whose stream was reset before their object was read. */
  reset: number;
  /** Objects whose group sequence did not match the segment's, or were too short. */
  malformed: number;
  error?: string;
}
