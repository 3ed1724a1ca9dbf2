// WebTransport sub-protocol negotiation headers (draft-ietf-webtrans-http3 section 3.3):
// `wt-available-protocols` is a Structured Field List of Strings, `wt-protocol` one String (RFC 8941).

/** Parses an sf-list of sf-strings (parameters ignored); `undefined` if malformed. */
export function parseProtocolList(value: string): string[] | undefined {
  const protocols: string[] = [];
  let index = 0;
  const skipSpaces = () => {
    while (value[index] === " " || value[index] === "\t") index++;
  };
  skipSpaces();
  if (index === value.length) return protocols;
  for (;;) {
    const item = parseString(value, index);
    if (item === undefined) return undefined;
    protocols.push(item.text);
    const next = skipParameters(value, item.next);
    if (next === undefined) return undefined;
    index = next;
    skipSpaces();
    if (index === value.length) return protocols;
    if (value[index] !== ",") return undefined;
    index++;
    skipSpaces();
    if (index === value.length) return undefined; // trailing comma
  }
}

/** Serializes one sf-string. Throws TypeError for characters an sf-string cannot hold. */
export function serializeProtocol(protocol: string): string {
  if (!/^[\x20-\x7e]*$/.test(protocol)) {
    throw new TypeError(`a sub-protocol must be printable ASCII, got ${JSON.stringify(protocol)}`);
  }
  return `"${protocol.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

/** Parses a `wt-protocol` value: one sf-string (parameters ignored). */
export function parseProtocol(value: string): string | undefined {
  const trimmed = value.trim();
  const item = parseString(trimmed, 0);
  if (item === undefined) return undefined;
  return skipParameters(trimmed, item.next) === trimmed.length ? item.text : undefined;
}

const PARAMETER_KEY = /[a-z*][a-z0-9_.*-]*/y;

/**
 * Skips the parameters (";key" or ";key=value") allowed after a list member or an item; none
 * matter here. A string value is parsed, as it may hold commas and semicolons; other values run to
 * the next delimiter. Returns the index after them, or `undefined` if malformed.
 */
function skipParameters(value: string, start: number): number | undefined {
  let index = start;
  while (value[index] === ";") {
    index++;
    while (value[index] === " ") index++;
    PARAMETER_KEY.lastIndex = index;
    const key = PARAMETER_KEY.exec(value);
    if (key === null) return undefined;
    index += key[0].length;
    if (value[index] !== "=") continue;
    index++;
    if (value[index] === '"') {
      const text = parseString(value, index);
      if (text === undefined) return undefined;
      index = text.next;
      continue;
    }
    const valueStart = index;
    while (index < value.length && !",; \t".includes(value[index] as string)) index++;
    if (index === valueStart) return undefined;
  }
  return index;
}

function parseString(value: string, start: number): { text: string; next: number } | undefined {
  if (value[start] !== '"') return undefined;
  let text = "";
  for (let index = start + 1; index < value.length; index++) {
    const character = value[index] as string;
    if (character === "\\") {
      const escaped = value[index + 1];
      if (escaped !== '"' && escaped !== "\\") return undefined;
      text += escaped;
      index++;
    } else if (character === '"') {
      return { text, next: index + 1 };
    } else if (character < " " || character > "~") {
      return undefined;
    } else {
      text += character;
    }
  }
  return undefined;
}
