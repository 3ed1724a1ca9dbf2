// Encoder configurations, and the video codec chosen from a preference list by asking the browser.

/** What VideoEncoder.isConfigSupported answers (injected, so the choice is testable without WebCodecs). */
export type IsVideoConfigSupported = (config: VideoEncoderConfig) => Promise<{ supported?: boolean | undefined }>;

export interface VideoShape {
  width: number;
  height: number;
  frameRate: number;
  bitrate: number;
}

/** Opus's own encoder options (not in the WebCodecs typings yet). */
export type OpusEncoderConfig = AudioEncoderConfig & { opus?: { frameDuration?: number } };

/** H.264 and H.265 need even sizes; every codec accepts them. */
const even = (value: number): number => Math.max(2, value - (value % 2));

/** The encoder configuration for `codec`: realtime, and H.264 as Annex B (SPS/PPS in-band, no description). */
export function videoEncoderConfig(codec: string, shape: VideoShape): VideoEncoderConfig {
  const config: VideoEncoderConfig = {
    codec,
    width: even(shape.width),
    height: even(shape.height),
    framerate: shape.frameRate,
    bitrate: shape.bitrate,
    latencyMode: "realtime",
  };
  if (codec.startsWith("avc1") || codec.startsWith("avc3")) config.avc = { format: "annexb" };
  return config;
}

/**
 * The first codec of `preferences` the browser encodes at this shape, with its configuration;
 * undefined when none does. A codec the check throws on (a malformed string) counts as unsupported.
 */
export async function chooseVideoCodec(
  preferences: readonly string[],
  shape: VideoShape,
  isConfigSupported: IsVideoConfigSupported,
): Promise<VideoEncoderConfig | undefined> {
  for (const codec of preferences) {
    const config = videoEncoderConfig(codec, shape);
    let supported = false;
    try {
      supported = (await isConfigSupported(config)).supported === true;
    } catch {
      supported = false;
    }
    if (supported) return config;
  }
  return undefined;
}

/** Opus at the capture's own rate and channels (Chromium resamples to Opus's 48 kHz inside). */
export function opusEncoderConfig(
  sampleRate: number,
  numberOfChannels: number,
  bitrate: number,
  frameDurationMs: 10 | 20,
): OpusEncoderConfig {
  return {
    codec: "opus",
    sampleRate,
    numberOfChannels,
    bitrate,
    opus: { frameDuration: frameDurationMs * 1000 },
  };
}
