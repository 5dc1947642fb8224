import { vi } from 'vitest';
import { PlanLimitError } from '../../../layers/errors';
import type { OutboxEntry } from '../../../layers/events/outbox';
import type { StoreDeps } from '../../../functions/stores/deps';
import type { DomainClaim, DomainRegistry, StoreRepository } from '../../../functions/stores/repository';
import type { StoreState } from '../../../functions/stores/rules';

/** In-memory ports of the stores service, for unit tests of its cores; the Mongo ones are covered by integration tests. */
export const memoryStores = () => {
  const rows = new Map<string, { store: StoreState; outbox: OutboxEntry[] }>();
  const key = (tenantId: string, id: string) => `${tenantId}/${id}`;
  const stores: StoreRepository = {
    async insert(s, events) {
      const clash = [...rows.values()].some((r) => r.store.tenantId === s.tenantId && s.slug !== null && r.store.slug === s.slug);
      if (clash) throw Object.assign(new Error('duplicate slug'), { status: 409, code: 'slug_taken' });
      rows.set(key(s.tenantId, s.id), { store: s, outbox: [...events] });
    },
    async get(tenantId, id) {
      return rows.get(key(tenantId, id))?.store;
    },
    async replace(s, expectedVersion, events) {
      const row = rows.get(key(s.tenantId, s.id));
      if (!row || row.store.version !== expectedVersion) return false;
      rows.set(key(s.tenantId, s.id), { store: s, outbox: [...row.outbox, ...events] });
      return true;
    },
    async list(tenantId, { after, limit }) {
      return [...rows.values()]
        .map((r) => r.store)
        .filter((s) => s.tenantId === tenantId && (!after || s.id > after))
        .sort((a, b) => a.id.localeCompare(b.id))
        .slice(0, limit);
    },
  };
  return { stores, rows, outboxOf: (tenantId: string, id: string) => rows.get(key(tenantId, id))?.outbox.map((e) => e.type) ?? [] };
};

export const memoryDomains = () => {
  const claims = new Map<string, DomainClaim>();
  const domains: DomainRegistry = {
    async claim(claim) {
      const holder = claims.get(claim.domain);
      if (holder) return { claimed: false, holder };
      claims.set(claim.domain, { ...claim });
      return { claimed: true };
    },
    async release({ domain, tenantId, storeId }) {
      const holder = claims.get(domain);
      if (holder && holder.tenantId === tenantId && holder.storeId === storeId) claims.delete(domain);
    },
    async evict(stale) {
      const holder = claims.get(stale.domain);
      if (!holder || holder.tenantId !== stale.tenantId || holder.storeId !== stale.storeId || holder.claimedAt.getTime() !== stale.claimedAt.getTime()) {
        return false;
      }
      claims.delete(stale.domain);
      return true;
    },
  };
  return { domains, claims };
};

/** A plan allowance per tenant, as layers/plans/quota.ts keeps it in Redis. */
export const memoryQuota = (limit: number) => {
  const used = new Map<string, number>();
  const quota: StoreDeps['quota'] = {
    async reserve(tenantId) {
      const now = used.get(tenantId) ?? 0;
      if (now + 1 > limit) throw new PlanLimitError('stores', limit, 'FREE');
      used.set(tenantId, now + 1);
    },
    async release(tenantId) {
      used.set(tenantId, Math.max(0, (used.get(tenantId) ?? 0) - 1));
    },
  };
  return { quota, used };
};

/** Deps with a fixed clock (moved by `clock.advance`) and counting ids and tokens. */
export const memoryDeps = (options: { limit?: number } = {}) => {
  const memory = memoryStores();
  const registry = memoryDomains();
  const allowance = memoryQuota(options.limit ?? 1);
  let ids = 0;
  let tokens = 0;
  const clock = { at: new Date('2026-11-25T10:00:00.000Z'), advance: (ms: number) => (clock.at = new Date(clock.at.getTime() + ms)) };
  const deps: StoreDeps = {
    stores: memory.stores,
    domains: registry.domains,
    quota: allowance.quota,
    newId: () => `0190a0a0-0000-7000-8000-${String(++ids).padStart(12, '0')}`,
    newToken: () => `token-${++tokens}`,
    now: () => clock.at,
    nudge: vi.fn(),
    log: { warn: vi.fn() },
  };
  return { deps, ...memory, ...registry, ...allowance, clock };
};
