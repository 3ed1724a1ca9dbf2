// Key-Value-Pairs: control message parameters (count-prefixed), object extension headers
// (a length-prefixed block), and the AUTHORIZATION TOKEN value structure.
import { EncodeError, ProtocolViolation, SessionErrorCode, violation } from "./error.ts";
import { DEFAULT_LIMITS, type WireLimits } from "./limits.ts";
import { Reader } from "./reader.ts";
import type { Parameter } from "./types.ts";
import { Writer } from "./writer.ts";

/** Longest byte value a Key-Value-Pair may carry. */
export const MAX_PARAMETER_BYTES = 0xffff;

/**
 * Setup parameter types (one space across all versions). The draft gives MOQT IMPLEMENTATION
 * 0x05, clashing with AUTHORITY; moq-dev and other implementations use 0x07, and so do we.
 */
export const SetupParameter = {
  PATH: 0x1,
  MAX_REQUEST_ID: 0x2,
  AUTHORIZATION_TOKEN: 0x3,
  MAX_AUTH_TOKEN_CACHE_SIZE: 0x4,
  AUTHORITY: 0x5,
  IMPLEMENTATION: 0x7,
} as const;

/** Version-specific parameter types, for every message other than the setup messages. */
export const MessageParameter = {
  DELIVERY_TIMEOUT: 0x2,
  AUTHORIZATION_TOKEN: 0x3,
  MAX_CACHE_DURATION: 0x4,
} as const;

/** One Key-Value-Pair. */
export function writeKeyValuePair(w: Writer, param: Parameter): void {
  if (!Number.isSafeInteger(param.type) || param.type < 0) {
    throw new EncodeError(`parameter type must be a non-negative safe integer, got ${param.type}`);
  }
  const odd = param.type % 2 === 1;
  if (odd) {
    if (!(param.value instanceof Uint8Array)) {
      throw new EncodeError(`parameter type ${param.type} is odd: its value must be bytes`);
    }
    w.varint(param.type).lengthPrefixedBytes(param.value, MAX_PARAMETER_BYTES);
  } else {
    if (typeof param.value !== "number") {
      throw new EncodeError(`parameter type ${param.type} is even: its value must be a number`);
    }
    w.varint(param.type).varint(param.value);
  }
}

/**
 * One Key-Value-Pair, or undefined for a type above 2^53 (GREASE, say): a double cannot hold
 * it, and no known type is that large, so it can only be ignored.
 */
export function readKeyValuePair(r: Reader, what = "parameter"): Parameter | undefined {
  const { value: type, odd } = r.varintWithParity(`${what} type`);
  const value = odd ? r.lengthPrefixedBytes(MAX_PARAMETER_BYTES, `${what} value`) : r.varint(`${what} value`);
  return type <= Number.MAX_SAFE_INTEGER ? { type, value } : undefined;
}

/** Number of Parameters, then the parameters. */
export function writeParameters(w: Writer, params: readonly Parameter[]): void {
  w.varint(params.length);
  for (const param of params) writeKeyValuePair(w, param);
}

export function readParameters(r: Reader, limits: WireLimits = DEFAULT_LIMITS): Parameter[] {
  const count = r.varint("number of parameters");
  if (count > limits.maxParameters) throw violation(`${count} parameters exceed the limit of ${limits.maxParameters}`);
  const params: Parameter[] = [];
  for (let i = 0; i < count; i++) {
    const param = readKeyValuePair(r);
    if (param !== undefined) params.push(param);
  }
  return params;
}

/** The value of the first parameter of `type` if it is a number. */
export function intParameter(params: readonly Parameter[], type: number): number | undefined {
  const value = params.find((p) => p.type === type)?.value;
  return typeof value === "number" ? value : undefined;
}

/** The value of the first parameter of `type` if it is bytes. */
export function bytesParameter(params: readonly Parameter[], type: number): Uint8Array | undefined {
  const value = params.find((p) => p.type === type)?.value;
  return value instanceof Uint8Array ? value : undefined;
}

/** An Extension Headers block (the bytes after its length): Key-Value-Pairs back to back. */
export function encodeExtensionHeaders(headers: readonly Parameter[]): Uint8Array {
  const w = new Writer();
  for (const header of headers) writeKeyValuePair(w, header);
  return w.finish();
}

/** Parses an Extension Headers block, as kept verbatim in objects. */
export function decodeExtensionHeaders(block: Uint8Array): Parameter[] {
  const r = new Reader(block);
  const headers: Parameter[] = [];
  while (r.remaining > 0) {
    const header = readKeyValuePair(r, "extension header");
    if (header !== undefined) headers.push(header);
  }
  return headers;
}

/** AUTHORIZATION TOKEN Alias Type. */
export const TokenAliasType = {
  DELETE: 0x0,
  REGISTER: 0x1,
  USE_ALIAS: 0x2,
  USE_VALUE: 0x3,
} as const;

/** The value of an AUTHORIZATION TOKEN parameter. */
export type Token =
  | { aliasType: typeof TokenAliasType.DELETE; alias: number }
  | { aliasType: typeof TokenAliasType.REGISTER; alias: number; tokenType: number; value: Uint8Array }
  | { aliasType: typeof TokenAliasType.USE_ALIAS; alias: number }
  | { aliasType: typeof TokenAliasType.USE_VALUE; tokenType: number; value: Uint8Array };

export function encodeToken(token: Token): Uint8Array {
  const w = new Writer();
  w.varint(token.aliasType);
  switch (token.aliasType) {
    case TokenAliasType.DELETE:
    case TokenAliasType.USE_ALIAS:
      w.varint(token.alias);
      break;
    case TokenAliasType.REGISTER:
      w.varint(token.alias).varint(token.tokenType).bytes(token.value);
      break;
    case TokenAliasType.USE_VALUE:
      w.varint(token.tokenType).bytes(token.value);
      break;
    default:
      throw new EncodeError(`unknown token alias type ${(token as { aliasType: unknown }).aliasType}`);
  }
  if (w.length > MAX_PARAMETER_BYTES)
    throw new EncodeError(`token of ${w.length} bytes exceeds ${MAX_PARAMETER_BYTES}`);
  return w.finish();
}

/** A Token structure that does not decode is a KEY_VALUE_FORMATTING_ERROR (draft "AUTHORIZATION TOKEN"). */
export function decodeToken(bytes: Uint8Array): Token {
  const r = new Reader(bytes);
  try {
    const aliasType = r.varint("token alias type");
    switch (aliasType) {
      case TokenAliasType.DELETE:
      case TokenAliasType.USE_ALIAS: {
        const alias = r.varint("token alias");
        r.done();
        return { aliasType, alias };
      }
      case TokenAliasType.REGISTER: {
        const alias = r.varint("token alias");
        const tokenType = r.varint("token type");
        return { aliasType, alias, tokenType, value: r.rest() };
      }
      case TokenAliasType.USE_VALUE: {
        const tokenType = r.varint("token type");
        return { aliasType, tokenType, value: r.rest() };
      }
      default:
        throw violation(`unknown token alias type ${aliasType}`);
    }
  } catch (error) {
    if (!(error instanceof ProtocolViolation)) throw error;
    throw new ProtocolViolation(SessionErrorCode.KEY_VALUE_FORMATTING_ERROR, `malformed token: ${error.message}`);
  }
}
