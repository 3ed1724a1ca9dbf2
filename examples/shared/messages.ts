// What both pages say about errors that are the same for both: the text of any error, and a relay
// certificate that was refused.

/** The message of whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Advice for a refused relay certificate; `who` names what fetches the hash ("the page", "the player").
 * With an http:// address the relay's certificate hash is fetched from it first: when that fails, the
 * relay is most likely not running there.
 */
export function certificateAdvice(relay: string, message: string, who: string): string {
  return relay.startsWith("http://")
    ? `Could not get the relay's certificate from ${relay} (${message}). Is the relay running at that address? “npm start” runs one at http://127.0.0.1:4443/.`
    : `The relay's certificate was refused (${message}). For a local relay use its http:// address, e.g. http://127.0.0.1:4443/: ${who} then fetches and pins its certificate hash.`;
}
