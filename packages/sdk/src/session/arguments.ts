// Checks of the session API's arguments: a bad one throws a SessionArgumentError that names it.
import { TrackPublisher } from "../cache/index.ts";
import { type Location, MessageParameter, type Parameter, type SubscribeFilter } from "../wire/index.ts";
import { SessionArgumentError } from "./errors.ts";
import type { SubscribeOptions } from "./options.ts";

/** A subscriber priority from the API: an integer in 0..255 (lower is more important). */
export function checkPriority(priority: unknown): number {
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 255) {
    throw new SessionArgumentError(`priority must be an integer in 0..255, got ${String(priority)}`);
  }
  return priority;
}

export function checkLocation(location: Location, what: string): void {
  if (
    typeof location !== "object" ||
    location === null ||
    !Number.isSafeInteger(location.group) ||
    !Number.isSafeInteger(location.object) ||
    location.group < 0 ||
    location.object < 0
  ) {
    throw new SessionArgumentError(`${what} must be { group, object } with non-negative integers`);
  }
}

/** A publisher's group order: 2 (newest first, the default) or 1 (oldest first). */
export function checkPublisherGroupOrder(groupOrder: unknown): 1 | 2 {
  if (groupOrder === undefined) return 2;
  if (groupOrder !== 1 && groupOrder !== 2)
    throw new SessionArgumentError(`groupOrder must be 1 or 2, got ${String(groupOrder)}`);
  return groupOrder;
}

/** What a SUBSCRIBE says, from subscribe()'s options. */
export interface SubscribeFields {
  priority: number;
  groupOrder: 0 | 1 | 2;
  filter: SubscribeFilter;
  parameters: Parameter[];
}

export function checkSubscribeOptions(options: SubscribeOptions): SubscribeFields {
  const priority = checkPriority(options.priority ?? 128);
  const groupOrder = options.groupOrder ?? 0;
  if (groupOrder !== 0 && groupOrder !== 1 && groupOrder !== 2) {
    throw new SessionArgumentError(`groupOrder must be 0, 1 or 2, got ${String(groupOrder)}`);
  }
  const { deliveryTimeoutMs } = options;
  if (deliveryTimeoutMs !== undefined && !(Number.isSafeInteger(deliveryTimeoutMs) && deliveryTimeoutMs > 0)) {
    throw new SessionArgumentError(`deliveryTimeoutMs must be a positive integer, got ${String(deliveryTimeoutMs)}`);
  }
  const parameters: Parameter[] =
    deliveryTimeoutMs === undefined ? [] : [{ type: MessageParameter.DELIVERY_TIMEOUT, value: deliveryTimeoutMs }];
  return { priority, groupOrder, filter: options.filter ?? { type: "largest_object" }, parameters };
}

/** subscribe()'s `into`: an open publisher handle of a track that has not ended. */
export function checkInto(into: unknown): TrackPublisher {
  if (!(into instanceof TrackPublisher)) throw new SessionArgumentError("into must be a TrackPublisher");
  if (into.isClosed) throw new SessionArgumentError("into is a closed TrackPublisher");
  if (into.isEnded) throw new SessionArgumentError(`into: track ${into.name} has ended`);
  return into;
}
