// What the browser said it decodes, remembered for the page's life: isConfigSupported() took 10–60 ms
// of a cold start on this busy machine (bench:e2e, from the catalog to the subscriptions), and a
// browser does not gain or lose a codec while a page runs. So a second Player, or a Player restarted
// on the same broadcast, does not ask again.

/** Answers kept at most; past this the oldest go (a catalog could list endless configurations). */
const MAX_ANSWERS = 64;

const answers = new Map<string, Promise<boolean>>();

/** Whether this browser's VideoDecoder takes `config` (false without WebCodecs). */
export function videoConfigSupported(config: VideoDecoderConfig): Promise<boolean> {
  if (typeof VideoDecoder === "undefined") return Promise.resolve(false);
  return rememberedSupport("video", config, () => supportedOrFalse(VideoDecoder.isConfigSupported(config)));
}

/** Whether this browser's AudioDecoder takes `config` (false without WebCodecs). */
export function audioConfigSupported(config: AudioDecoderConfig): Promise<boolean> {
  if (typeof AudioDecoder === "undefined") return Promise.resolve(false);
  return rememberedSupport("audio", config, () => supportedOrFalse(AudioDecoder.isConfigSupported(config)));
}

/** A support check's answer; a check that throws (a malformed configuration) is a no. */
async function supportedOrFalse(check: Promise<{ supported?: boolean }>): Promise<boolean> {
  try {
    return (await check).supported === true;
  } catch {
    return false;
  }
}

/** Asks `ask()` once per distinct configuration (`kind` and `config` as the key). */
export function rememberedSupport(
  kind: "video" | "audio",
  config: VideoDecoderConfig | AudioDecoderConfig,
  ask: () => Promise<boolean>,
): Promise<boolean> {
  const key = `${kind} ${configKey(config)}`;
  const known = answers.get(key);
  if (known !== undefined) return known;
  const answer = ask();
  answers.set(key, answer);
  if (answers.size > MAX_ANSWERS) answers.delete(answers.keys().next().value as string);
  return answer;
}

/** A configuration as text, its description's bytes included. */
function configKey(config: VideoDecoderConfig | AudioDecoderConfig): string {
  return JSON.stringify(config, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value)) return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
    return value;
  });
}
