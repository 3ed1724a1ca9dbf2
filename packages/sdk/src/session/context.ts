// What the two halves of a session (publisher.ts: the peer's requests; subscriber.ts: ours) share
// with the Session that owns them: the control stream's sending side, request IDs and the replies
// awaited, the transport's send streams, and whether the session is still open.
import { type ControlMessage, ProtocolViolation, SessionErrorCode, type WireLimits } from "../wire/index.ts";
import type { ControlStream } from "./control.ts";
import { errorText, RequestError, SessionError } from "./errors.ts";
import type { ReceivePolicy } from "./receive.ts";
import type { IncomingRequestIds, OutgoingRequestIds } from "./request-ids.ts";
import type { SendRateLimit } from "./send-rate.ts";
import type { MoqTransport, TransportSendStream } from "./transport.ts";

type Pending = { resolve: (message: ControlMessage) => void; reject: (error: Error) => void };

export class SessionContext {
  readonly limits: WireLimits;
  /** How received groups are kept: how long, and whether each object gets a buffer of its own. */
  readonly receive: ReceivePolicy;
  /** The peer's request IDs: each request counts as open until `finish()`. */
  readonly incoming: IncomingRequestIds;
  /** A cap on what the served subscriptions and fetches send (a test option); undefined = none. */
  readonly sendRate: SendRateLimit | undefined;
  readonly #outgoing: OutgoingRequestIds;
  readonly #control: ControlStream;
  readonly #transport: MoqTransport;
  readonly #log: (line: string) => void;
  readonly #fail: (code: number, reason: string) => void;
  /** How long one of our requests waits for the peer's credit (a request ID) before it fails. */
  readonly #requestIdTimeoutMs: number;
  /** Our requests answered by a plain OK or ERROR (TRACK_STATUS, PUBLISH_NAMESPACE, SUBSCRIBE_NAMESPACE). */
  readonly #pending = new Map<number, Pending>();
  #closedWith: SessionError | undefined;
  #goAway: string | undefined;

  constructor(init: {
    limits: WireLimits;
    receive: ReceivePolicy;
    incoming: IncomingRequestIds;
    outgoing: OutgoingRequestIds;
    sendRate?: SendRateLimit;
    control: ControlStream;
    transport: MoqTransport;
    log: (line: string) => void;
    /** Closes the session with a termination code and reason. */
    fail: (code: number, reason: string) => void;
    requestIdTimeoutMs?: number;
  }) {
    this.limits = init.limits;
    this.receive = init.receive;
    this.incoming = init.incoming;
    this.sendRate = init.sendRate;
    this.#outgoing = init.outgoing;
    this.#control = init.control;
    this.#transport = init.transport;
    this.#log = init.log;
    this.#fail = init.fail;
    this.#requestIdTimeoutMs = init.requestIdTimeoutMs ?? Number.POSITIVE_INFINITY;
  }

  get isClosed(): boolean {
    return this.#closedWith !== undefined;
  }

  /** Why the session ended, once it has. */
  get closedWith(): SessionError | undefined {
    return this.#closedWith;
  }

  /** The URI of the peer's GOAWAY, once it came. */
  get goAway(): string | undefined {
    return this.#goAway;
  }

  log(line: string): void {
    this.#log(line);
  }

  /** Queues a control message; dropped once the session is closed. */
  send(message: ControlMessage): void {
    if (this.isClosed) return;
    this.#control.send(message);
  }

  /** Sends a request and waits for its OK (resolved) or ERROR (rejected with a RequestError). */
  request(requestId: number, message: ControlMessage): Promise<ControlMessage> {
    return new Promise((resolve, reject) => {
      this.checkOpen();
      this.#pending.set(requestId, { resolve, reject });
      this.send(message);
    });
  }

  /** The OK (`message`) or ERROR (`error`) for a request sent with request(). */
  settle(requestId: number, message: ControlMessage | undefined, error: Error | undefined): void {
    const pending = this.#pending.get(requestId);
    if (pending === undefined) throw unknownRequest("reply", requestId);
    this.#pending.delete(requestId);
    if (error !== undefined) pending.reject(error);
    else pending.resolve(message as ControlMessage);
  }

  /**
   * The next request ID of ours, once the peer's credit allows; rejects with the SessionError once
   * closed, or with RequestError TIMEOUT when the peer gives no credit in time.
   */
  async allocate(): Promise<number> {
    const requestId = await this.#outgoing.allocate(this.#requestIdTimeoutMs);
    this.checkOpen();
    return requestId;
  }

  /** MAX_REQUEST_ID from the peer. */
  grant(max: number): void {
    this.#outgoing.grant(max);
  }

  /** Whether `requestId` is one of ours already sent (a late reply to a finished request is no violation). */
  isOurs(requestId: number): boolean {
    return this.#outgoing.used(requestId);
  }

  checkOpen(): void {
    if (this.#closedWith !== undefined) throw this.#closedWith;
  }

  /** New requests: not on a closed session, nor after the peer's GOAWAY (draft-14 9.3 says SHOULD NOT). */
  checkCanRequest(): void {
    this.checkOpen();
    if (this.#goAway !== undefined) {
      throw new SessionError(SessionErrorCode.NO_ERROR, "the peer sent GOAWAY: open a new session for new requests", {
        remote: true,
      });
    }
  }

  openStream(sendOrder: number): Promise<TransportSendStream> {
    this.checkOpen();
    return this.#transport.createUnidirectionalStream({ sendOrder });
  }

  fail(code: number, reason: string): void {
    this.#fail(code, reason);
  }

  /** The peer's GOAWAY. */
  goneAway(uri: string): void {
    if (this.#goAway !== undefined) throw new ProtocolViolation(SessionErrorCode.PROTOCOL_VIOLATION, "a second GOAWAY");
    this.#goAway = uri;
  }

  /** The session ended: nothing more is sent, and every request still waiting fails with `error`. */
  end(error: SessionError): void {
    if (this.#closedWith !== undefined) return;
    this.#closedWith = error;
    this.#outgoing.abort();
    this.incoming.stop();
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

type ErrorReply =
  | "subscribe_error"
  | "track_status_error"
  | "fetch_error"
  | "publish_namespace_error"
  | "publish_error"
  | "subscribe_namespace_error";

/** Answers a request of the peer's with its ERROR: a RequestError as it is, anything else as `internal` (logged). */
export function refuse(
  context: SessionContext,
  kind: ErrorReply,
  requestId: number,
  error: unknown,
  internal: number,
): void {
  const refusal = error instanceof RequestError ? error : new RequestError(internal, "internal error");
  if (!(error instanceof RequestError)) context.log(`${kind} ${requestId}: ${errorText(error)}`);
  context.send({ kind, requestId, errorCode: refusal.code, reason: refusal.reason });
}

/** A reply to a request that does not exist: a protocol violation. */
export function unknownRequest(kind: string, requestId: number): ProtocolViolation {
  return new ProtocolViolation(
    SessionErrorCode.PROTOCOL_VIOLATION,
    `${kind.toUpperCase()} for unknown request ${requestId}`,
  );
}
