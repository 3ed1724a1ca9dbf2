// The codecs this browser's WebCodecs can encode (at 640x480), for the page's "what can I use" list.
import { listCodecs } from "../../shared/codecs.ts";

const VIDEO_CODECS = [
  { label: "H.264", codec: "avc1.42001f" },
  { label: "VP8", codec: "vp8" },
  { label: "VP9", codec: "vp09.00.10.08" },
  { label: "AV1", codec: "av01.0.04M.08" },
] as const;

export async function listEncoders(list: HTMLUListElement): Promise<void> {
  if (typeof VideoEncoder === "undefined") {
    list.innerHTML = "<li>WebCodecs is not available in this browser: it cannot publish.</li>";
    return;
  }
  await listCodecs(list, [
    ...VIDEO_CODECS.map(({ label, codec }) => ({
      label,
      codec,
      check: () => VideoEncoder.isConfigSupported({ codec, width: 640, height: 480, bitrate: 1_000_000 }),
    })),
    {
      label: "Opus",
      codec: "opus",
      check: () => AudioEncoder.isConfigSupported({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 }),
    },
  ]);
}
