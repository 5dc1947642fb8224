import { IDEMPOTENCY_STATUS } from './constants';

export type IdempotencyStatus = (typeof IDEMPOTENCY_STATUS)[keyof typeof IDEMPOTENCY_STATUS];

/** A response as replayed: what the handler returned, or the problem it failed with. */
export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * One key's record. `expiresAt` (ms since the epoch) bounds both states: an in-progress record
 * expires when its invocation must have ended (so a crashed run frees its key), a completed one
 * when the key stops being replayed. An expired record is treated as absent; it is the
 * `expired` state, never stored as such.
 */
export interface IdempotencyRecord {
  key: string;
  status: IdempotencyStatus;
  /** sha256 (hex) of the request the key was first used with. */
  payloadHash: string;
  expiresAt: number;
  /** Present when `status` is completed. */
  response?: StoredResponse;
}

export const isExpired = (record: IdempotencyRecord, now: number = Date.now()): boolean => record.expiresAt <= now;

/**
 * The persistence port. Implementations must make `putIfAbsent` atomic: of concurrent calls for
 * one key, exactly one may store its record.
 */
export abstract class IdempotencyStore {
  /**
   * Stores `record` if its key holds no record or only an expired one, and returns undefined;
   * otherwise stores nothing and returns the live record.
   */
  abstract putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord | undefined>;

  /** The live record of `key`, or undefined when there is none or it expired. */
  abstract get(key: string): Promise<IdempotencyRecord | undefined>;

  /** Replaces the record of `record.key` (used to complete it). */
  abstract update(record: IdempotencyRecord): Promise<void>;

  /** Forgets `key`, so a retry runs again. */
  abstract delete(key: string): Promise<void>;
}
