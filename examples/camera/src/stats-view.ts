// The camera page's live numbers under the plot, one row each (shown by the shared StatsView).
import type { PublisherStats } from "@moqkit/sdk/publisher";
import { bits, bytes, count, type Row } from "../../shared/stats-view.ts";

export const ROWS: Row<PublisherStats>[] = [
  {
    key: "video",
    label: "Video",
    value: ({ video }) =>
      video === undefined ? "none" : `${video.codec} · ${video.width}×${video.height} · ${bits(video.bitrate)} target`,
  },
  {
    key: "audio",
    label: "Audio",
    value: ({ audio }) =>
      audio === undefined
        ? "none"
        : `${audio.codec} · ${audio.sampleRate / 1000} kHz · ${audio.channels === 1 ? "mono" : `${audio.channels} channels`}`,
  },
  {
    key: "bitrate",
    label: "Sending",
    // The relay asks for the stream only once a viewer joins: until then nothing goes out, by design.
    value: (stats, measured) => (stats.bytesSent === 0 ? "nothing yet: nobody is watching" : bits(measured.bitrate)),
  },
  {
    key: "latency",
    label: "Capture → wire",
    value: ({ captureToWireMs }) =>
      Number.isFinite(captureToWireMs.p50)
        ? `${captureToWireMs.p50.toFixed(1)} ms median, ${captureToWireMs.p95.toFixed(1)} ms p95`
        : "– (nothing sent yet)",
  },
  {
    key: "frames",
    label: "Frames",
    value: (stats) =>
      `${count(stats.framesEncoded)} encoded of ${count(stats.framesCaptured)}, ${count(stats.framesDropped)} dropped`,
  },
  {
    key: "segments",
    label: "Segments",
    value: (stats) =>
      stats.bytesSent === 0
        ? `none sent: each expires after its time to live until a viewer joins (${count(stats.segmentsExpired)} so far)`
        : `${count(stats.segmentsSent)} sent whole, ${count(stats.segmentsExpired)} expired before they could go`,
  },
  { key: "sent", label: "Data sent", value: (stats) => bytes(stats.bytesSent) },
  { key: "queue", label: "Encoder queue", value: (stats) => `${stats.encodeQueue} frame(s)` },
];
