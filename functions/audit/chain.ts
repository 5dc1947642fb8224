import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The audit log is a hash chain per tenant: entry n stores the hash of entry n-1, and its own
 * hash covers every field that matters. Altering an entry breaks its hash; removing one leaves
 * a gap in `seq` or a `prevHash` that no longer matches; removing the tail is caught against
 * the head counter kept beside the chain.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainFields {
  tenantId: string;
  seq: number;
  eventId: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  data: string;
  prevHash: string;
}

export interface ChainEntry extends ChainFields {
  hash: string;
}

export const hashEntry = (fields: ChainFields): string => {
  const { tenantId, seq, eventId, type, source, subject, time, data, prevHash } = fields;
  const canonical = canonicalize({ tenantId, seq, eventId, type, source, subject, time, data, prevHash }) as string;
  return createHash('sha256').update(canonical).digest('hex');
};

/** The entry after `previous` (the chain's head; the genesis hash at seq 0 for an empty chain). */
export const nextEntry = (previous: Pick<ChainEntry, 'seq' | 'hash'> | undefined, event: Omit<ChainFields, 'seq' | 'prevHash'>): ChainEntry => {
  const fields: ChainFields = { ...event, seq: (previous?.seq ?? 0) + 1, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...fields, hash: hashEntry(fields) };
};

export type BreakReason = 'altered' | 'missing' | 'relinked' | 'truncated';

export type Verdict =
  | { valid: true; checked: number; headSeq: number; headHash: string }
  | { valid: false; checked: number; brokenAt: number; reason: BreakReason; eventId?: string; detail: string };

/**
 * Verifies a chain incrementally: feed entries in `seq` order, then `finish` with the head
 * counter. Streaming keeps memory flat for long chains.
 */
export const chainVerifier = () => {
  let previous: Pick<ChainEntry, 'seq' | 'hash'> = { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  let broken: Verdict | undefined;
  const fail = (brokenAt: number, reason: BreakReason, detail: string, eventId?: string): Verdict => ({
    valid: false,
    checked,
    brokenAt,
    reason,
    detail,
    ...(eventId ? { eventId } : {}),
  });
  return {
    /** Returns the verdict as soon as the chain is known to be broken. */
    add(entry: ChainEntry): Verdict | undefined {
      if (broken) return broken;
      if (entry.seq !== previous.seq + 1) {
        broken = fail(previous.seq + 1, 'missing', `Entry ${previous.seq + 1} is missing (next present: ${entry.seq}).`);
      } else if (entry.prevHash !== previous.hash) {
        broken = fail(entry.seq, 'relinked', `Entry ${entry.seq} does not link to entry ${previous.seq}.`, entry.eventId);
      } else if (hashEntry(entry) !== entry.hash) {
        broken = fail(entry.seq, 'altered', `Entry ${entry.seq} was altered after it was written.`, entry.eventId);
      } else {
        checked += 1;
        previous = entry;
      }
      return broken;
    },
    finish(headSeq: number): Verdict {
      if (broken) return broken;
      if (headSeq > previous.seq) {
        return fail(previous.seq + 1, 'truncated', `Entries ${previous.seq + 1}..${headSeq} were removed from the end.`);
      }
      return { valid: true, checked, headSeq: previous.seq, headHash: previous.hash };
    },
  };
};

export const periodOf = (time: string): { day: string; hour: string } => {
  const iso = new Date(time).toISOString();
  return { day: iso.slice(0, 10), hour: iso.slice(0, 13) };
};
