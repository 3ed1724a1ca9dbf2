// The codecs this browser's WebCodecs can decode: what a broadcast may use to play here (the
// "no decodable rendition" error names what the broadcast offers; this says what this browser takes).
import { listCodecs } from "../../shared/codecs.ts";

const VIDEO: ReadonlyArray<{ label: string; config: VideoDecoderConfig }> = [
  { label: "H.264", config: { codec: "avc1.42001f" } },
  { label: "VP8", config: { codec: "vp8" } },
  { label: "VP9", config: { codec: "vp09.00.10.08" } },
  { label: "AV1", config: { codec: "av01.0.04M.08" } },
];
const AUDIO: ReadonlyArray<{ label: string; config: AudioDecoderConfig }> = [
  { label: "Opus", config: { codec: "opus", sampleRate: 48000, numberOfChannels: 2 } },
  { label: "AAC", config: { codec: "mp4a.40.2", sampleRate: 48000, numberOfChannels: 2 } },
];

export async function listDecoders(list: HTMLUListElement): Promise<void> {
  if (typeof VideoDecoder === "undefined") {
    list.innerHTML = "<li>WebCodecs is not available in this browser: it cannot play.</li>";
    return;
  }
  await listCodecs(list, [
    ...VIDEO.map(({ label, config }) => ({
      label,
      codec: config.codec,
      check: () => VideoDecoder.isConfigSupported(config),
    })),
    ...AUDIO.map(({ label, config }) => ({
      label,
      codec: config.codec,
      check: () => AudioDecoder.isConfigSupported(config),
    })),
  ]);
  list.dataset.ready = "true";
}
