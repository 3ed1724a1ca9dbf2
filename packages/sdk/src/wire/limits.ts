// Bounds on untrusted lengths and counts. The first four are fixed by the draft; the others are
// this implementation's own guards against resource exhaustion.

export interface WireLimits {
  /** Track Namespace tuple fields (draft: 1..32). */
  readonly maxNamespaceFields: 32;
  /** Namespace fields plus Track Name, in bytes (draft: 4096). */
  readonly maxFullTrackNameBytes: 4096;
  /** Parameters in one control message. */
  readonly maxParameters: number;
  /** Reason Phrase bytes (draft: 1024). */
  readonly maxReasonBytes: 1024;
  /** GOAWAY New Session URI bytes (draft: 8192). */
  readonly maxGoAwayUriBytes: 8192;
  /** Versions offered in CLIENT_SETUP. */
  readonly maxVersions: number;
  /** One object's Extension Headers block, in bytes. */
  readonly maxExtensionBytes: number;
  /** One object's payload, in bytes. */
  readonly maxObjectBytes: number;
}

export const DEFAULT_LIMITS: WireLimits = Object.freeze({
  maxNamespaceFields: 32,
  maxFullTrackNameBytes: 4096,
  maxParameters: 64,
  maxReasonBytes: 1024,
  maxGoAwayUriBytes: 8192,
  maxVersions: 64,
  maxExtensionBytes: 65535,
  maxObjectBytes: 16 * 1024 * 1024,
});
