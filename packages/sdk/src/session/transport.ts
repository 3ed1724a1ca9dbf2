// The part of the browser's WebTransport that a MoQ session uses. The browser's own WebTransport
// and the relay's Deno layer (packages/relay/src/webtransport) both fit it.

export interface TransportCloseInfo {
  closeCode?: number;
  reason?: string;
}

export interface TransportBidirectionalStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** A send stream; `sendOrder` (higher goes first) is there in Chromium and in our Deno layer. */
export type TransportSendStream = WritableStream<Uint8Array> & { sendOrder?: number };

export interface TransportDatagrams {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

export interface MoqTransport {
  readonly ready: Promise<unknown>;
  readonly closed: Promise<unknown>;
  readonly incomingBidirectionalStreams: ReadableStream<TransportBidirectionalStream>;
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>;
  readonly datagrams?: TransportDatagrams;
  /** The WebTransport sub-protocol the server selected ("" or absent when none). */
  readonly protocol?: string;
  createBidirectionalStream(options?: { sendOrder?: number }): Promise<TransportBidirectionalStream>;
  createUnidirectionalStream(options?: { sendOrder?: number }): Promise<TransportSendStream>;
  close(info?: TransportCloseInfo): void;
}

/** The code a stream was reset or stopped with, when the error says (WebTransportError.streamErrorCode). */
export function streamErrorCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { streamErrorCode?: unknown }).streamErrorCode;
  return typeof code === "number" ? code : undefined;
}
