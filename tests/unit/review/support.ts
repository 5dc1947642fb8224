import type { OutboxEntry } from '../../../layers/events/outbox';
import type { EligibilityStore, RatingStore, ReviewStore } from '../../../functions/review/repository';
import { eligibilityIdOf, emptyRating, ratingIdOf, type RatingState, type StoredReview } from '../../../functions/review/rules';

/** In-memory review stores with the ports' semantics: tenant-scoped, unique (tenant, product, buyer), conditional writes. */
export const memoryReviewStore = (): ReviewStore & { rows: Map<string, StoredReview>; outbox: OutboxEntry[] } => {
  const rows = new Map<string, StoredReview>();
  const outbox: OutboxEntry[] = [];
  return {
    rows,
    outbox,
    async insert(review, events) {
      const taken = [...rows.values()].some((r) => r.tenantId === review.tenantId && r.productId === review.productId && r.buyerId === review.buyerId);
      if (taken || rows.has(review.id)) return false;
      rows.set(review.id, structuredClone(review));
      outbox.push(...events);
      return true;
    },
    async get(tenantId, id) {
      const row = rows.get(id);
      return row && row.tenantId === tenantId ? structuredClone(row) : undefined;
    },
    async findByAuthor(tenantId, buyerId, productId) {
      const row = [...rows.values()].find((r) => r.tenantId === tenantId && r.buyerId === buyerId && r.productId === productId);
      return row && structuredClone(row);
    },
    async replace(review, expectedVersion, events) {
      const row = rows.get(review.id);
      if (!row || row.tenantId !== review.tenantId || row.version !== expectedVersion) return false;
      rows.set(review.id, structuredClone(review));
      outbox.push(...events);
      return true;
    },
    async list(tenantId, filter, { before, limit }) {
      return [...rows.values()]
        .filter((r) => r.tenantId === tenantId && (!before || r.id < before))
        .filter((r) => (!filter.productId || r.productId === filter.productId) && (!filter.status || r.status === filter.status))
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, limit)
        .map((r) => structuredClone(r));
    },
  };
};

export const memoryEligibilityStore = (): EligibilityStore & { rows: Map<string, { orderId: string; deliveredAt: Date }> } => {
  const rows = new Map<string, { orderId: string; deliveredAt: Date }>();
  return {
    rows,
    async record({ tenantId, buyerId, productId, orderId, deliveredAt }) {
      const id = eligibilityIdOf(tenantId, buyerId, productId);
      if (!rows.has(id)) rows.set(id, { orderId, deliveredAt });
    },
    async has(tenantId, buyerId, productId) {
      return rows.has(eligibilityIdOf(tenantId, buyerId, productId));
    },
  };
};

/** Rating documents by id; `interleave` runs before a write, to simulate another writer coming first. */
export const memoryRatingStore = (): RatingStore & { rows: Map<string, RatingState>; outbox: OutboxEntry[]; interleave?: () => Promise<void> } => {
  const rows = new Map<string, RatingState>();
  const outbox: OutboxEntry[] = [];
  const store: RatingStore & { rows: Map<string, RatingState>; outbox: OutboxEntry[]; interleave?: () => Promise<void> } = {
    rows,
    outbox,
    async get(tenantId, productId) {
      return structuredClone(rows.get(ratingIdOf(tenantId, productId)) ?? emptyRating(productId));
    },
    async write(tenantId, next, events) {
      if (store.interleave) {
        const run = store.interleave;
        store.interleave = undefined;
        await run();
      }
      const id = ratingIdOf(tenantId, next.productId);
      const stored = rows.get(id)?.rev ?? 0;
      if (stored !== next.rev - 1) return false;
      rows.set(id, structuredClone(next));
      outbox.push(...events);
      return true;
    },
  };
  return store;
};
