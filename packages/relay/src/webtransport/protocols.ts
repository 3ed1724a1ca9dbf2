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
    index = item.next;
    // Parameters (";key=value") are allowed on list members; none matter here.
    while (value[index] === ";") {
      index++;
      while (index < value.length && value[index] !== "," && value[index] !== ";") index++;
    }
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

/** Parses a `wt-protocol` value: one sf-string. */
export function parseProtocol(value: string): string | undefined {
  const item = parseString(value.trim(), 0);
  return item !== undefined && item.next === value.trim().length ? item.text : undefined;
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
