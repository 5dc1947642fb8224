import { describe, expect, it, vi } from 'vitest';
import { nextEntry } from '../../../functions/audit/chain';
import { makeAppendEvent } from '../../../functions/audit/on-event';
import { makeQueryAudit } from '../../../functions/audit/query';
import { makeAuditReport, summarise } from '../../../functions/audit/report';
import { makeVerifyChain } from '../../../functions/audit/verify';
import { memoryAuditStore } from '../../support/memory-stores';

const now = () => new Date('2026-11-25T12:00:00.000Z');
const event = (id: string, overrides: Partial<{ tenantId: string; type: string; time: string; subject: string }> = {}) => ({
  id,
  type: 'products.product.created.v1',
  source: 'products-create',
  subject: 'p1',
  time: '2026-11-25T10:00:00.000Z',
  tenantId: 't1',
  data: { b: 2, a: 1 },
  ...overrides,
});

describe('audit append', () => {
  it('appends once per event id', async () => {
    const store = memoryAuditStore();
    const append = makeAppendEvent({ store, now });
    expect(await append(event('e1'))).toBe('appended');
    expect(await append(event('e1'))).toBe('duplicate');
    expect(store.entries).toHaveLength(1);
    expect(store.entries[0]!.data).toBe('{"a":1,"b":2}');
    expect(await store.head('t1')).toEqual({ seq: 1, hash: store.entries[0]!.hash });
  });

  it('catches up with an entry another writer put after the head, then appends after it', async () => {
    const store = memoryAuditStore();
    const other = nextEntry(undefined, {
      tenantId: 't1',
      eventId: 'other',
      type: 't',
      source: 's',
      subject: 'p',
      time: '2026-11-25T10:00:00.000Z',
      data: '{}',
    });
    store.entries.push(other); // written, but the head was never moved (a crashed or slower writer)
    expect(await makeAppendEvent({ store, now })(event('e1'))).toBe('appended');
    expect(store.entries.map((e) => [e.seq, e.eventId])).toEqual([
      [1, 'other'],
      [2, 'e1'],
    ]);
    expect(store.entries[1]!.prevHash).toBe(other.hash);
    expect((await store.head('t1')).seq).toBe(2);
  });

  it('recognises its own entry left after the head by a crash', async () => {
    const store = memoryAuditStore();
    const append = makeAppendEvent({ store, now });
    await append(event('e1'));
    store.heads.clear(); // the head update was lost
    expect(await append(event('e1'))).toBe('duplicate');
    expect((await store.head('t1')).seq).toBe(1);
  });

  it('gives up with a retryable conflict under endless contention', async () => {
    const store = memoryAuditStore();
    let seq = 0;
    vi.spyOn(store, 'insert').mockResolvedValue('conflict');
    vi.spyOn(store, 'entryAt').mockImplementation(async () => ({
      ...nextEntry(undefined, { tenantId: 't1', eventId: `x${seq}`, type: 't', source: 's', subject: 'p', time: 'x', data: '{}' }),
      seq: ++seq,
    }));
    await expect(makeAppendEvent({ store, now })(event('e1'))).rejects.toMatchObject({ status: 409, code: 'audit_chain_contended' });
  });

  it('keeps one chain per tenant', async () => {
    const store = memoryAuditStore();
    const append = makeAppendEvent({ store, now });
    await append(event('e1'));
    await append(event('e2', { tenantId: 't2' }));
    expect(store.entries.map((e) => [e.tenantId, e.seq])).toEqual([
      ['t1', 1],
      ['t2', 1],
    ]);
  });
});

describe('audit verify', () => {
  it('verifies in batches and reports tampering', async () => {
    const store = memoryAuditStore();
    const append = makeAppendEvent({ store, now });
    for (let i = 0; i < 1203; i += 1) await append(event(`e${i}`));
    const verifyChain = makeVerifyChain({ store });
    expect(await verifyChain('t1')).toMatchObject({ valid: true, checked: 1203 });
    store.entries[700] = { ...store.entries[700]!, type: 'forged.event.happened.v1' };
    expect(await verifyChain('t1')).toMatchObject({ valid: false, brokenAt: 701, reason: 'altered' });
  });
});

describe('audit query', () => {
  it('filters and pages by seq', async () => {
    const store = memoryAuditStore();
    const append = makeAppendEvent({ store, now });
    await append(event('e1'));
    await append(event('e2', { type: 'products.product.updated.v1' }));
    await append(event('e3'));
    const query = makeQueryAudit({ store });
    const first = await query('t1', { type: 'products.product.created.v1', limit: 1 });
    expect(first.items.map((i) => i.eventId)).toEqual(['e1']);
    expect(first.items[0]!.data).toEqual({ a: 1, b: 2 });
    const second = await query('t1', { type: 'products.product.created.v1', limit: 1, cursor: first.nextCursor! });
    expect(second).toMatchObject({ items: [{ eventId: 'e3' }], nextCursor: null });
    expect((await query('t2', { limit: 10 })).items).toEqual([]);
  });
});

describe('audit report', () => {
  it('counts by type and period', async () => {
    const store = memoryAuditStore();
    const append = makeAppendEvent({ store, now });
    await append(event('e1', { time: '2026-11-24T10:00:00.000Z' }));
    await append(event('e2', { time: '2026-11-25T10:00:00.000Z' }));
    await append(event('e3', { time: '2026-11-25T11:00:00.000Z', type: 'products.product.updated.v1' }));
    const report = await makeAuditReport({ store })('t1', { from: '2026-11-24T00:00:00Z', to: '2026-11-26T00:00:00Z', granularity: 'day' });
    expect(report).toMatchObject({
      total: 3,
      byType: { 'products.product.created.v1': 2, 'products.product.updated.v1': 1 },
      byPeriod: [
        { period: '2026-11-24', total: 1 },
        { period: '2026-11-25', total: 2 },
      ],
    });
  });

  it('refuses empty or overlong ranges', async () => {
    const report = makeAuditReport({ store: memoryAuditStore() });
    await expect(report('t1', { from: '2026-11-25T00:00:00Z', to: '2026-11-24T00:00:00Z', granularity: 'day' })).rejects.toMatchObject({
      code: 'invalid_range',
    });
    await expect(report('t1', { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', granularity: 'day' })).rejects.toMatchObject({
      code: 'range_too_long',
    });
  });

  it('sorts periods and sums types', () => {
    expect(
      summarise(
        [
          { type: 'b', period: '2', count: 1 },
          { type: 'a', period: '1', count: 2 },
          { type: 'b', period: '1', count: 3 },
        ],
        { from: 'f', to: 't', granularity: 'hour' },
      ).byPeriod,
    ).toEqual([
      { period: '1', total: 5, byType: { a: 2, b: 3 } },
      { period: '2', total: 1, byType: { b: 1 } },
    ]);
  });
});
