// The order in which a session's streams are sent under congestion (draft-14 section 7): subscriber
// priority first, then publisher priority, then group order. WebTransport's `sendOrder` sends higher
// values first, so each term is flipped so that "more important" means "larger".

/** Groups ids are folded into 37 bits: 8 + 8 + 37 bits stay within Number.MAX_SAFE_INTEGER. */
const GROUP_BITS = 2 ** 37;

/**
 * @param subscriberPriority 0..255, lower is more important
 * @param publisherPriority 0..255, lower is more important
 * @param groupOrder 1 ascending (older groups first), 2 descending (newest first)
 */
export function sendOrder(
  subscriberPriority: number,
  publisherPriority: number,
  groupOrder: 1 | 2,
  group: number,
): number {
  const groupTerm = group % GROUP_BITS;
  const orderTerm = groupOrder === 2 ? groupTerm : GROUP_BITS - 1 - groupTerm;
  return ((255 - subscriberPriority) * 256 + (255 - publisherPriority)) * GROUP_BITS + orderTerm;
}

/** A cache priority (any integer, lower is more important) as a wire publisher priority (0..255). */
export function toPublisherPriority(priority: number): number {
  return Math.min(255, Math.max(0, Math.trunc(priority)));
}
