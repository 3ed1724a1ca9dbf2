// The relay's log lines: one call, one line. Text a peer controls (namespaces, track names, reasons,
// paths, error messages quoting them) is escaped so that it can never end a line, start one of its
// own (such as a forged "moqkit relay listening" banner), or rewrite the terminal.

/**
 * Control characters (C0, DEL, C1), format characters (bidirectional overrides, zero-width ones, the
 * byte order mark), line and paragraph separators, and lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(char: string): string {
  const short = SHORT[char];
  if (short !== undefined) return short;
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every control or invisible character written as an escape (\n, \x1b, \u202e), the rest kept. */
export function escapeLogText(text: string): string {
  return text.replace(UNPRINTABLE, escapeOne);
}

/** A log sink that writes each line escaped, so that one call is exactly one line. */
export function lineLogger(write: (line: string) => void): (line: string) => void {
  return (line) => write(escapeLogText(line));
}
