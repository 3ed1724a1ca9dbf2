// Where a SUBSCRIBE filter starts, given the largest location when the subscription began.
import type { Location, SubscribeFilter } from "../wire/index.ts";

/** The first group a filter lets through. A late joiner gets the whole latest group (see README). */
export function filterStart(filter: SubscribeFilter, largest: Location | undefined): Location {
  switch (filter.type) {
    case "next_group_start":
      return { group: largest === undefined ? 0 : largest.group + 1, object: 0 };
    case "largest_object":
      return { group: largest?.group ?? 0, object: 0 };
    case "absolute_start":
    case "absolute_range":
      return filter.start;
  }
}
