import { ConflictError, PreconditionFailedError } from '../../layers/errors';
import type { Decision, Review, ReviewInput, ReviewStatus } from './schemas';

/** Pure review rules: no I/O, ids and the clock passed in. */

/** A review as stored (without its outbox), dates as ISO strings. */
export interface StoredReview {
  id: string;
  tenantId: string;
  productId: string;
  buyerId: string;
  rating: number;
  title: string | null;
  body: string;
  status: ReviewStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  moderation: { at: string; by: string; note: string | null } | null;
}

/**
 * The `_id` of a purchase eligibility: one per (tenant, buyer, product), so review-create finds it
 * by exact id (the one lookup FerretDB serves from an index) and a redelivered order changes nothing.
 */
export const eligibilityIdOf = (tenantId: string, buyerId: string, productId: string): string => `${tenantId}:${buyerId}:${productId}`;

/** The `_id` of a product's rating aggregate; the tenant in it keeps two tenants' products apart. */
export const ratingIdOf = (tenantId: string, productId: string): string => `${tenantId}:${productId}`;

export const buildReview = (input: ReviewInput, meta: { id: string; tenantId: string; buyerId: string; now: Date }): StoredReview => {
  const at = meta.now.toISOString();
  return {
    id: meta.id,
    tenantId: meta.tenantId,
    productId: input.productId,
    buyerId: meta.buyerId,
    rating: input.rating,
    title: input.title ?? null,
    body: input.body,
    status: 'pending',
    version: 1,
    createdAt: at,
    updatedAt: at,
    moderation: null,
  };
};

export const assertVersion = (current: StoredReview, expected: number): void => {
  if (current.version !== expected) {
    throw new PreconditionFailedError(`The review is at version ${current.version}, not ${expected}.`, { currentVersion: current.version });
  }
};

/**
 * A moderator's decision: pending → approved | rejected, and a decided review may be reversed
 * (approved ⇄ rejected). Deciding what a review already is changes nothing: 409 with its status.
 */
export const moderateReview = (current: StoredReview, decision: Decision, meta: { by: string; note?: string; now: Date }): StoredReview => {
  if (current.status === decision) {
    throw new ConflictError(`The review is already ${current.status}.`, 'illegal_transition', { currentStatus: current.status });
  }
  const at = meta.now.toISOString();
  return { ...current, status: decision, version: current.version + 1, updatedAt: at, moderation: { at, by: meta.by, note: meta.note ?? null } };
};

/** Who reads a review: the tenant's staff and the review's author see who wrote it and how it was moderated. */
export interface Viewer {
  userId: string;
  staff: boolean;
}

export const toReview = (stored: StoredReview, viewer: Viewer): Review => {
  const { tenantId: _tenant, buyerId, moderation, ...shown } = stored;
  return viewer.staff || viewer.userId === buyerId ? { ...shown, buyerId, moderation } : shown;
};

/**
 * The rating aggregate of one product, kept incrementally (FerretDB has no `$avg`): the sum and
 * count of its approved reviews, and a ledger of the latest moderation applied per review. The
 * ledger, not the event's `previous`, decides what a moderation adds or removes, so a redelivered,
 * replayed or out-of-order moderation never counts a review twice or removes one never added.
 */
export interface LedgerEntry {
  reviewId: string;
  /** The review version of the last moderation applied. */
  version: number;
  /** Whether the review is in `sum` and `count` now. */
  counted: boolean;
  rating: number;
}

export interface RatingState {
  productId: string;
  sum: number;
  count: number;
  /** Changes of sum and count so far: the version of review.rating.updated. 0 before the first. */
  version: number;
  /** Writes of this document so far, changed or not: the compare-and-set token. */
  rev: number;
  ledger: LedgerEntry[];
}

export interface Moderation {
  reviewId: string;
  productId: string;
  rating: number;
  decision: Decision;
  version: number;
}

export const emptyRating = (productId: string): RatingState => ({ productId, sum: 0, count: 0, version: 0, rev: 0, ledger: [] });

/**
 * The state after a moderation, and whether sum and count changed (then `version` moved on and a
 * review.rating.updated is due); undefined when the ledger has this or a later moderation already.
 */
export const applyModeration = (current: RatingState, moderation: Moderation): { next: RatingState; changed: boolean } | undefined => {
  const entry = current.ledger.find((e) => e.reviewId === moderation.reviewId);
  if (entry && entry.version >= moderation.version) return undefined;
  const wasCounted = entry?.counted ?? false;
  const counted = moderation.decision === 'approved';
  const recorded: LedgerEntry = { reviewId: moderation.reviewId, version: moderation.version, counted, rating: moderation.rating };
  const ledger = entry ? current.ledger.map((e) => (e === entry ? recorded : e)) : [...current.ledger, recorded];
  const changed = wasCounted !== counted;
  // A review's rating never changes, but the one counted is the one the ledger holds.
  const removed = wasCounted ? entry!.rating : 0;
  const added = counted ? moderation.rating : 0;
  return {
    next: {
      ...current,
      sum: current.sum - removed + added,
      count: current.count - (wasCounted ? 1 : 0) + (counted ? 1 : 0),
      version: changed ? current.version + 1 : current.version,
      rev: current.rev + 1,
      ledger,
    },
    changed,
  };
};

export { etagOf, versionFromEtag } from '../../layers/http/versioning';
export { decodeCursor, encodeCursor, toPage } from '../../layers/http/paging';
