// Session setup (CLIENT_SETUP / SERVER_SETUP): version negotiation, request credit, the
// implementation name and the authorization token, before the Session takes over.
import {
  type ClientSetup,
  type ControlMessage,
  DEFAULT_LIMITS,
  DRAFT_14,
  decodeToken,
  encodeToken,
  intParameter,
  type Parameter,
  ProtocolViolation,
  type ServerSetup,
  SessionErrorCode,
  SetupParameter,
  TokenAliasType,
} from "../wire/index.ts";
import { ControlStream } from "./control.ts";
import { closeInfoError, errorText, SessionError } from "./errors.ts";
import { IncomingRequestIds, OutgoingRequestIds } from "./request-ids.ts";
import { CLOSE_GRACE_MS, Session, type SessionOptions } from "./session.ts";
import type { MoqTransport, TransportBidirectionalStream } from "./transport.ts";

/** Runs the client side of setup on `transport` (already ready). */
export async function startClientSession(transport: MoqTransport, options: SessionOptions = {}): Promise<Session> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const stream = await transport.createBidirectionalStream();
  const control = new ControlStream(stream, limits, options);
  const outgoing = new OutgoingRequestIds(0, (max) =>
    control.send({ kind: "requests_blocked", maximumRequestId: max }),
  );
  const incoming = new IncomingRequestIds(
    1,
    options.maxRequests ?? 100,
    (max) => control.send({ kind: "max_request_id", requestId: max }),
    (what) => options.log?.(`peer deviation: ${what}`),
    options.maxRequestRate,
  );
  const setup: ClientSetup = {
    kind: "client_setup",
    versions: [DRAFT_14],
    parameters: setupParameters(incoming.initialMax, options),
  };
  control.send(setup);
  const reply = await withTimeout(control.next(), options.setupTimeoutMs ?? 10_000, "SERVER_SETUP").catch(
    async (error: unknown) => {
      // The server may have closed the session (UNAUTHORIZED, VERSION_NEGOTIATION_FAILED, ...): say why.
      const closedBy = await peerClose(transport);
      failSetup(transport, error);
      throw closedBy ?? error;
    },
  );
  if (reply === undefined) {
    const error =
      (await peerClose(transport)) ??
      new SessionError(SessionErrorCode.PROTOCOL_VIOLATION, "the server ended the control stream before SERVER_SETUP");
    failSetup(transport, error);
    throw error;
  }
  if (reply.kind !== "server_setup") {
    const error = new SessionError(SessionErrorCode.PROTOCOL_VIOLATION, `expected SERVER_SETUP, got ${reply.kind}`);
    failSetup(transport, error);
    throw error;
  }
  if (reply.version !== DRAFT_14) {
    const error = new SessionError(
      SessionErrorCode.VERSION_NEGOTIATION_FAILED,
      `the server chose version 0x${reply.version.toString(16)}, which we did not offer`,
    );
    failSetup(transport, error);
    throw error;
  }
  outgoing.grant(intParameter(reply.parameters, SetupParameter.MAX_REQUEST_ID) ?? 0, true);
  return new Session({
    role: "client",
    transport,
    control,
    options,
    peerParameters: reply.parameters,
    incoming,
    outgoing,
  });
}

/** Runs the server side of setup on an accepted `transport`: waits for the control stream and CLIENT_SETUP. */
export async function startServerSession(transport: MoqTransport, options: SessionOptions = {}): Promise<Session> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const timeout = options.setupTimeoutMs ?? 10_000;
  let stream: TransportBidirectionalStream;
  let control: ControlStream;
  let hello: ControlMessage | undefined;
  try {
    const streams = transport.incomingBidirectionalStreams.getReader();
    const next = await withTimeout(streams.read(), timeout, "the control stream");
    streams.releaseLock();
    if (next.done) throw new SessionError(SessionErrorCode.PROTOCOL_VIOLATION, "no control stream");
    stream = next.value;
    control = new ControlStream(stream, limits, options);
    hello = await withTimeout(control.next(), timeout, "CLIENT_SETUP");
  } catch (error) {
    failSetup(transport, error);
    throw error;
  }
  if (hello?.kind !== "client_setup") {
    const error = new SessionError(
      SessionErrorCode.PROTOCOL_VIOLATION,
      `expected CLIENT_SETUP, got ${hello?.kind ?? "the end of the control stream"}`,
    );
    failSetup(transport, error);
    throw error;
  }
  if (options.authorize !== undefined) {
    let allowed: boolean;
    try {
      // Bounded like the rest of setup: a check that never answers refuses.
      const check = Promise.resolve(options.authorize(authorizationTokens(hello.parameters)));
      allowed = await withTimeout(check, timeout, "the authorization check");
    } catch (error) {
      // A malformed token is the peer's KEY_VALUE_FORMATTING_ERROR; the hook's own failure refuses.
      const refusal =
        error instanceof ProtocolViolation ? error : new SessionError(SessionErrorCode.UNAUTHORIZED, "unauthorized");
      failSetup(transport, refusal);
      throw refusal;
    }
    if (!allowed) {
      const error = new SessionError(SessionErrorCode.UNAUTHORIZED, "unauthorized");
      failSetup(transport, error);
      throw error;
    }
  }
  if (!hello.versions.includes(DRAFT_14)) {
    const offered = hello.versions.map((version) => `0x${version.toString(16)}`).join(", ");
    const error = new SessionError(
      SessionErrorCode.VERSION_NEGOTIATION_FAILED,
      `no supported version offered (${offered})`,
    );
    failSetup(transport, error);
    throw error;
  }
  const outgoing = new OutgoingRequestIds(1, (max) =>
    control.send({ kind: "requests_blocked", maximumRequestId: max }),
  );
  const incoming = new IncomingRequestIds(
    0,
    options.maxRequests ?? 100,
    (max) => control.send({ kind: "max_request_id", requestId: max }),
    undefined,
    options.maxRequestRate,
  );
  outgoing.grant(intParameter(hello.parameters, SetupParameter.MAX_REQUEST_ID) ?? 0, true);
  const reply: ServerSetup = {
    kind: "server_setup",
    version: DRAFT_14,
    parameters: setupParameters(incoming.initialMax, options),
  };
  control.send(reply);
  return new Session({
    role: "server",
    transport,
    control,
    options,
    peerParameters: hello.parameters,
    incoming,
    outgoing,
  });
}

function setupParameters(maxRequestId: number, options: SessionOptions): Parameter[] {
  const parameters: Parameter[] = [
    { type: SetupParameter.MAX_REQUEST_ID, value: maxRequestId },
    { type: SetupParameter.IMPLEMENTATION, value: new TextEncoder().encode(options.implementation ?? "moqkit") },
  ];
  const given = options.authorizationToken;
  if (given !== undefined) {
    const value = typeof given === "string" ? new TextEncoder().encode(given) : given;
    const token = encodeToken({ aliasType: TokenAliasType.USE_VALUE, tokenType: 0, value });
    parameters.push({ type: SetupParameter.AUTHORIZATION_TOKEN, value: token });
  }
  return parameters;
}

/**
 * The tokens a SETUP carries by value, as the bytes sent (never decoded as text: two tokens that
 * differ in bytes are different tokens). Registered aliases are not supported: the cache size is 0.
 */
function authorizationTokens(parameters: readonly Parameter[]): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  for (const parameter of parameters) {
    if (parameter.type !== SetupParameter.AUTHORIZATION_TOKEN || !(parameter.value instanceof Uint8Array)) continue;
    const token = decodeToken(parameter.value);
    if (token.aliasType === TokenAliasType.USE_VALUE || token.aliasType === TokenAliasType.REGISTER) {
      tokens.push(token.value.slice());
    }
  }
  return tokens;
}

/** The peer's close of `transport`, if it comes within a moment; undefined otherwise. */
async function peerClose(transport: MoqTransport): Promise<SessionError | undefined> {
  const info = await Promise.race([
    transport.closed.then(
      (closed) => closed,
      () => undefined,
    ),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), CLOSE_GRACE_MS)),
  ]);
  return info === undefined ? undefined : closeInfoError(info);
}

function failSetup(transport: MoqTransport, error: unknown): void {
  const code =
    error instanceof SessionError || error instanceof ProtocolViolation ? error.code : SessionErrorCode.INTERNAL_ERROR;
  try {
    transport.close({ closeCode: code, reason: errorText(error).slice(0, 1024) });
  } catch {
    // already closed
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SessionError(SessionErrorCode.CONTROL_MESSAGE_TIMEOUT, `${what} did not come within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
