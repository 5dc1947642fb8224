import type { OutboxEntry } from '../../layers/events/outbox';
import type { ChainEntry } from '../../functions/audit/chain';
import { EMPTY_HEAD, type AuditStore, type ChainHead, type PeriodCount, type QueryFilter } from '../../functions/audit/store';
import type { ListFilter, PageRequest, ProductStore, SearchFilter } from '../../functions/products/repository';
import type { StoredView, ViewStore } from '../../functions/products/read-model';
import type { Product } from '../../functions/products/schemas';
import { searchTermsOf } from '../../functions/products/rules';

/**
 * In-memory implementations of the stores' ports, for unit tests of the pure cores.
 * The real Mongo and Redis stores are exercised by the integration tests.
 */
export const memoryProductStore = () => {
  const rows = new Map<string, { product: Product; deleted: boolean; outbox: OutboxEntry[] }>();
  const key = (tenantId: string, id: string) => `${tenantId}/${id}`;
  const page = (items: Product[], { after, limit }: PageRequest) =>
    items
      .filter((p) => !after || p.id > after)
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit);
  const liveOf = (tenantId: string) => [...rows.values()].filter((r) => !r.deleted && r.product.tenantId === tenantId).map((r) => r.product);
  const store: ProductStore = {
    async insert(product, events) {
      rows.set(key(product.tenantId, product.id), { product, deleted: false, outbox: [...events] });
    },
    async get(tenantId, id) {
      const row = rows.get(key(tenantId, id));
      return row && !row.deleted ? row.product : undefined;
    },
    async replace(product, expectedVersion, events) {
      const row = rows.get(key(product.tenantId, product.id));
      if (!row || row.deleted || row.product.version !== expectedVersion) return false;
      rows.set(key(product.tenantId, product.id), { product, deleted: false, outbox: [...row.outbox, ...events] });
      return true;
    },
    async markDeleted(tenantId, id, expectedVersion, events) {
      const row = rows.get(key(tenantId, id));
      if (!row || row.deleted || row.product.version !== expectedVersion) return false;
      rows.set(key(tenantId, id), { product: { ...row.product, version: expectedVersion + 1 }, deleted: true, outbox: [...row.outbox, ...events] });
      return true;
    },
    async list(tenantId, filter: ListFilter, request) {
      return page(
        liveOf(tenantId).filter(
          (p) =>
            (!filter.storeId || p.storeId === filter.storeId) &&
            (!filter.status || p.status === filter.status) &&
            (!filter.category || p.category === filter.category),
        ),
        request,
      );
    },
    async search(tenantId, filter: SearchFilter, request) {
      return page(
        liveOf(tenantId).filter((p) => {
          const terms = searchTermsOf(p);
          return (
            p.status === 'active' &&
            filter.terms.every((t) => terms.includes(t)) &&
            (!filter.category || p.category === filter.category) &&
            (filter.minPrice === undefined || p.price.amount >= filter.minPrice) &&
            (filter.maxPrice === undefined || p.price.amount <= filter.maxPrice)
          );
        }),
        request,
      );
    },
  };
  return { store, rows };
};

export const memoryViewStore = (): ViewStore & { views: Map<string, StoredView> } => {
  const views = new Map<string, StoredView>();
  return {
    views,
    async read(tenantId, productId) {
      return views.get(`${tenantId}/${productId}`);
    },
    async update(tenantId, productId, change) {
      const next = change(views.get(`${tenantId}/${productId}`) ?? { stock: {}, rev: 0 });
      if (!next) return false;
      views.set(`${tenantId}/${productId}`, next);
      return true;
    },
  };
};

export const memoryAuditStore = (): AuditStore & { entries: ChainEntry[]; heads: Map<string, ChainHead> } => {
  const entries: ChainEntry[] = [];
  const heads = new Map<string, ChainHead>();
  const inRange = (e: ChainEntry, f: QueryFilter) => (!f.from || e.time >= f.from) && (!f.to || e.time < f.to);
  return {
    entries,
    heads,
    async head(tenantId) {
      return heads.get(tenantId) ?? EMPTY_HEAD;
    },
    async entryAt(tenantId, seq) {
      return entries.find((e) => e.tenantId === tenantId && e.seq === seq);
    },
    async insert(entry) {
      const taken = entries.some((e) => e.tenantId === entry.tenantId && (e.seq === entry.seq || e.eventId === entry.eventId));
      if (taken) return 'conflict';
      entries.push(entry);
      return 'inserted';
    },
    async advanceHead(tenantId, to) {
      if ((heads.get(tenantId)?.seq ?? 0) < to.seq) heads.set(tenantId, { seq: to.seq, hash: to.hash });
    },
    async scan(tenantId, afterSeq, limit, filter = {}) {
      return entries
        .filter(
          (e) =>
            e.tenantId === tenantId &&
            e.seq > afterSeq &&
            (!filter.type || e.type === filter.type) &&
            (!filter.subject || e.subject === filter.subject) &&
            inRange(e, filter),
        )
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit);
    },
    async countByTypeAndPeriod(tenantId, range, granularity) {
      const counts = new Map<string, PeriodCount>();
      for (const e of entries.filter((x) => x.tenantId === tenantId && inRange(x, range))) {
        const period = granularity === 'day' ? e.time.slice(0, 10) : e.time.slice(0, 13);
        const row = counts.get(`${e.type}|${period}`) ?? { type: e.type, period, count: 0 };
        row.count += 1;
        counts.set(`${e.type}|${period}`, row);
      }
      return [...counts.values()];
    },
  };
};
