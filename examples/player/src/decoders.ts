// The codecs this browser's WebCodecs can decode: what a broadcast may use to play here (the
// "no decodable rendition" error names what the broadcast offers; this says what this browser takes).
const CANDIDATES: ReadonlyArray<{
  label: string;
  config: VideoDecoderConfig | AudioDecoderConfig;
  kind: "video" | "audio";
}> = [
  { label: "H.264", kind: "video", config: { codec: "avc1.42001f" } },
  { label: "VP8", kind: "video", config: { codec: "vp8" } },
  { label: "VP9", kind: "video", config: { codec: "vp09.00.10.08" } },
  { label: "AV1", kind: "video", config: { codec: "av01.0.04M.08" } },
  { label: "Opus", kind: "audio", config: { codec: "opus", sampleRate: 48000, numberOfChannels: 2 } },
  { label: "AAC", kind: "audio", config: { codec: "mp4a.40.2", sampleRate: 48000, numberOfChannels: 2 } },
];

async function supported(kind: "video" | "audio", config: VideoDecoderConfig | AudioDecoderConfig): Promise<boolean> {
  try {
    const result =
      kind === "video"
        ? await VideoDecoder.isConfigSupported(config as VideoDecoderConfig)
        : await AudioDecoder.isConfigSupported(config as AudioDecoderConfig);
    return result.supported === true;
  } catch {
    return false;
  }
}

export async function listDecoders(list: HTMLUListElement): Promise<void> {
  if (typeof VideoDecoder === "undefined") {
    list.innerHTML = "<li>WebCodecs is not available in this browser: it cannot play.</li>";
    return;
  }
  const items = await Promise.all(
    CANDIDATES.map(async ({ label, kind, config }) => {
      const item = document.createElement("li");
      const ok = await supported(kind, config);
      item.textContent = `${label} (${config.codec}): ${ok ? "yes" : "no"}`;
      item.dataset.codec = config.codec;
      item.dataset.supported = String(ok);
      return item;
    }),
  );
  list.replaceChildren(...items);
  list.dataset.ready = "true";
}
