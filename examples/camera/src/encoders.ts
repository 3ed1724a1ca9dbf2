// The codecs this browser's WebCodecs can encode (at 640x480), for the page's "what can I use" list.
const VIDEO_CODECS = [
  { label: "H.264", codec: "avc1.42001f" },
  { label: "VP8", codec: "vp8" },
  { label: "VP9", codec: "vp09.00.10.08" },
  { label: "AV1", codec: "av01.0.04M.08" },
] as const;

async function check(run: () => Promise<{ supported?: boolean }>): Promise<boolean> {
  try {
    return (await run()).supported === true;
  } catch {
    return false;
  }
}

export async function listEncoders(list: HTMLUListElement): Promise<void> {
  if (typeof VideoEncoder === "undefined") {
    list.innerHTML = "<li>WebCodecs is not available in this browser: it cannot publish.</li>";
    return;
  }
  const video = VIDEO_CODECS.map(async ({ label, codec }) => ({
    label,
    codec,
    ok: await check(() => VideoEncoder.isConfigSupported({ codec, width: 640, height: 480, bitrate: 1_000_000 })),
  }));
  const audio = check(() =>
    AudioEncoder.isConfigSupported({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 }),
  ).then((ok) => ({ label: "Opus", codec: "opus", ok }));
  const results = await Promise.all([...video, audio]);
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
