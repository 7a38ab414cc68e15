/**
 * Which webhook may become a new version of a stored response. A signed request replayed later
 * (many tools sign no timestamp), or an older event delivered after a newer one, must not roll
 * a response back to older content, nor fire "score changed" follow-ups. Runtime-agnostic: every
 * store applies it inside its ingest transaction.
 */

/** What a webhook brings besides its content: how to recognise it again, and the tool's own ordering of versions. */
export interface DeliveryMarks {
  /** SHA-256 (hex) of the raw body: the same request sent again has the same digest, whatever its signature headers. */
  digest?: string;
  /** The tool's update time (epoch ms) or update counter for this response, where it sends one; null otherwise. */
  revision?: number | null;
}

/** What is stored for the response's current version. */
export interface StoredMarks {
  version: number;
  digest: string | null;
  revision: number | null;
}

export type VersionVerdict =
  | { kind: 'duplicate' }
  /** Refused: older than what is stored. Answered 200 (a vendor must not retry it), stored nowhere. */
  | { kind: 'stale'; reason: string }
  | { kind: 'new-version' };

/**
 * The verdict on a webhook for a response already stored:
 * - the same content, or the very body of the current version: a duplicate (a resend);
 * - the body of an earlier version (`digestVersion` finds it): a replay, refused;
 * - a revision older than the stored one (the tool's update time or counter): out of order, refused;
 * - otherwise a new version.
 */
export function versionVerdict(options: {
  stored: StoredMarks;
  incoming: DeliveryMarks;
  sameContent: boolean;
  /** The earlier version whose body had this digest, if any (looked up only when needed). */
  digestVersion: (digest: string) => number | undefined;
}): VersionVerdict {
  const { stored, incoming } = options;
  if (options.sameContent || (incoming.digest !== undefined && incoming.digest === stored.digest)) return { kind: 'duplicate' };
  if (incoming.digest !== undefined) {
    const earlier = options.digestVersion(incoming.digest);
    if (earlier !== undefined) {
      return { kind: 'stale', reason: `the body of version ${earlier} was sent again after version ${stored.version}: a replay, not an update` };
    }
  }
  if (incoming.revision != null && stored.revision != null && incoming.revision < stored.revision) {
    return { kind: 'stale', reason: `older than version ${stored.version} (the tool's update mark ${incoming.revision} < ${stored.revision}): delivered out of order or replayed` };
  }
  return { kind: 'new-version' };
}

/** The revision a new version leaves stored: its own, or the stored one when it carries none. */
export function revisionAfter(stored: StoredMarks, incoming: DeliveryMarks): number | null {
  return incoming.revision ?? stored.revision;
}
