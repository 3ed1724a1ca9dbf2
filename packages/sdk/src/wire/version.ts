// The version seam: everything else in wire/ speaks draft-14 only.

/** draft-ietf-moq-transport-14 (0xff000000 + draft number). */
export const DRAFT_14 = 0xff00000e;

/** Versions this codec can speak, most preferred first. */
export const SUPPORTED_VERSIONS: readonly number[] = [DRAFT_14];
