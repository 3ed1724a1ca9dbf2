// The "what this browser can encode/decode" list of both pages: one item per codec, checked through
// WebCodecs' own isConfigSupported.
export interface CodecCheck {
  label: string;
  codec: string;
  /** The WebCodecs question, e.g. `() => VideoDecoder.isConfigSupported(config)`. */
  check: () => Promise<{ supported?: boolean }>;
}

/** Whether the answer is yes; a throw (a configuration WebCodecs rejects outright) is a no. */
async function supported(check: () => Promise<{ supported?: boolean }>): Promise<boolean> {
  try {
    return (await check()).supported === true;
  } catch {
    return false;
  }
}

/** Asks about every codec at once, then lists the answers in the order given. */
export async function listCodecs(list: HTMLUListElement, checks: readonly CodecCheck[]): Promise<void> {
  const results = await Promise.all(
    checks.map(async ({ label, codec, check }) => ({ label, codec, ok: await supported(check) })),
  );
  list.replaceChildren(
    ...results.map(({ label, codec, ok }) => {
      const item = document.createElement("li");
      item.textContent = `${label} (${codec}): ${ok ? "yes" : "no"}`;
      item.dataset.codec = codec;
      item.dataset.supported = String(ok);
      return item;
    }),
  );
}
