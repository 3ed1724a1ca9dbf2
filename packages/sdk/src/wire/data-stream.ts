// The start of a unidirectional data stream: a SUBGROUP_HEADER or a FETCH_HEADER.
import { violation } from "./error.ts";
import { FETCH_HEADER_TYPE, type FetchHeader, readFetchHeader } from "./fetch-stream.ts";
import type { WireLimits } from "./limits.ts";
import type { StreamReader } from "./stream-reader.ts";
import { isSubgroupHeaderType, readSubgroupHeader, type SubgroupHeader } from "./subgroup.ts";

export type DataStreamHeader = { kind: "subgroup"; header: SubgroupHeader } | { kind: "fetch"; header: FetchHeader };

/**
 * Reads the stream type and header. `limits` is accepted for symmetry with the other decoders:
 * no header field has a length to bound.
 */
export async function readDataStreamHeader(reader: StreamReader, _limits?: WireLimits): Promise<DataStreamHeader> {
  const type = await reader.varint("stream type");
  if (type === FETCH_HEADER_TYPE) return { kind: "fetch", header: await readFetchHeader(reader) };
  if (isSubgroupHeaderType(type)) return { kind: "subgroup", header: await readSubgroupHeader(reader, type) };
  throw violation(`unknown data stream type 0x${type.toString(16)}`);
}
