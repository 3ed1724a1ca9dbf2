// The @moq/hang "legacy" media container: frames <-> MoQT objects (cache chunks).
export { ContainerError, type ContainerErrorCode } from "./error.ts";
export { type ReadFrame, readFrames } from "./frame-reader.ts";
export { FrameWriter, type WritableFrame } from "./frame-writer.ts";
export { decodeFrame, encodedFrameLength, encodeFrame, type Frame, MAX_TIMESTAMP_US } from "./legacy.ts";
