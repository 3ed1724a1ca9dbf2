// One VideoDecoder for a catalog rendition. H.264 comes in both forms: Annex B with in-band
// SPS/PPS (no description; what @moq/publish and moqkit's camera send) and avcC with a
// `description`; the catalog says which by having a description or not. `optimizeForLatency` is
// always on: without it Chromium's H.264 decoder holds a frame back (~34 ms measured here).
// After an error the decoder is configured anew and waits for the next key frame.

import type { VideoRendition } from "../catalog/index.ts";
import { videoDecoderConfig } from "../catalog/index.ts";
import { videoConfigSupported } from "./decoder-support.ts";

export function decoderConfig(rendition: VideoRendition): VideoDecoderConfig {
  const config = videoDecoderConfig(rendition);
  return { ...config, optimizeForLatency: true, hardwareAcceleration: "no-preference" };
}

/** Whether this browser decodes `rendition`. */
export function canDecode(rendition: VideoRendition): Promise<boolean> {
  return videoConfigSupported(decoderConfig(rendition));
}

export interface VideoDecodingHooks {
  output(frame: VideoFrame): void;
  error(error: Error): void;
}

export class VideoDecoding {
  readonly #config: VideoDecoderConfig;
  readonly #hooks: VideoDecodingHooks;
  #decoder: VideoDecoder;
  #needKey = true;
  #pending = 0;
  #closed = false;

  constructor(rendition: VideoRendition, hooks: VideoDecodingHooks) {
    this.#config = decoderConfig(rendition);
    this.#hooks = hooks;
    this.#decoder = this.#create();
  }

  /** Chunks given to decode() whose frames have not come out yet. */
  get pending(): number {
    return this.#pending;
  }

  /** Whether the next chunk must be a key frame (at the start, after reset() or an error). */
  get needsKeyFrame(): boolean {
    return this.#needKey;
  }

  /** Decodes one frame; a delta frame while a key frame is needed is skipped (returns false). */
  decode(timestampUs: number, data: Uint8Array, key: boolean): boolean {
    if (this.#closed) return false;
    if (this.#needKey && !key) return false;
    if (this.#decoder.state !== "configured") this.#decoder = this.#create();
    this.#needKey = false;
    this.#pending++;
    try {
      this.#decoder.decode(new EncodedVideoChunk({ type: key ? "key" : "delta", timestamp: timestampUs, data }));
    } catch (error) {
      this.#pending--;
      this.#failed(error);
      return false;
    }
    return true;
  }

  /** Drops what is being decoded; the next chunk must be a key frame. */
  reset(): void {
    if (this.#closed) return;
    this.#needKey = true;
    this.#pending = 0;
    if (this.#decoder.state === "configured") {
      this.#decoder.reset();
      this.#decoder.configure(this.#config);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#decoder.state !== "closed") this.#decoder.close();
  }

  #create(): VideoDecoder {
    const decoder = new VideoDecoder({
      output: (frame) => {
        if (this.#pending > 0) this.#pending--;
        if (this.#closed) {
          frame.close();
          return;
        }
        this.#hooks.output(frame);
      },
      error: (error) => this.#failed(error),
    });
    decoder.configure(this.#config);
    return decoder;
  }

  #failed(error: unknown): void {
    this.#pending = 0;
    this.#needKey = true;
    if (this.#closed) return;
    this.#hooks.error(error instanceof Error ? error : new Error(String(error)));
  }
}
