import { afterAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections, serviceDb } from '../../../layers/connections';
import { makeAppendEvent } from '../../../functions/audit/on-event';
import { makeAuditReport } from '../../../functions/audit/report';
import { makeVerifyChain } from '../../../functions/audit/verify';
import { auditStore, entryId } from '../../../functions/audit/store';

afterAll(closeConnections);

const event = (tenantId: string, n: number, type = 'products.product.created.v1') => ({
  id: uuidv7(),
  type,
  source: 'products-create',
  subject: `p${n}`,
  time: new Date(Date.UTC(2026, 10, 25, 10, n)).toISOString(),
  tenantId,
  data: { n },
});

describe('audit chain on FerretDB', () => {
  it('keeps one linear chain under concurrent appends, and verifies it', async () => {
    const store = await auditStore();
    const tenantId = `t-${uuidv7()}`;
    const append = makeAppendEvent({ store, now: () => new Date() });
    const events = Array.from({ length: 25 }, (_, n) => event(tenantId, n));
    const outcomes = await Promise.all(events.map((e) => append(e)));
    expect(outcomes.every((o) => o === 'appended')).toBe(true);
    expect(await append(events[3]!)).toBe('duplicate');
    const entries = await store.scan(tenantId, 0, 100);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await store.head(tenantId)).seq).toBe(25);
    expect(await makeVerifyChain({ store })(tenantId)).toMatchObject({ valid: true, checked: 25 });
  });

  it('says where an altered or removed entry breaks the chain', async () => {
    const store = await auditStore();
    const tenantId = `t-${uuidv7()}`;
    const append = makeAppendEvent({ store, now: () => new Date() });
    for (let n = 0; n < 5; n += 1) await append(event(tenantId, n));
    const raw = (await serviceDb('audit')).collection('audit_entries');
    await raw.updateOne({ _id: entryId(tenantId, 3) as never }, { $set: { data: '{"n":999}' } });
    expect(await makeVerifyChain({ store })(tenantId)).toMatchObject({ valid: false, brokenAt: 3, reason: 'altered' });
    await raw.deleteOne({ _id: entryId(tenantId, 3) as never });
    expect(await makeVerifyChain({ store })(tenantId)).toMatchObject({ valid: false, brokenAt: 3, reason: 'missing' });
    await raw.deleteMany({ _id: { $in: [entryId(tenantId, 3), entryId(tenantId, 4), entryId(tenantId, 5)] } as never });
    expect(await makeVerifyChain({ store })(tenantId)).toMatchObject({ valid: false, brokenAt: 3, reason: 'truncated' });
  });

  it('reports counts by type and hour with $group', async () => {
    const store = await auditStore();
    const tenantId = `t-${uuidv7()}`;
    const append = makeAppendEvent({ store, now: () => new Date() });
    await append(event(tenantId, 1));
    await append(event(tenantId, 2));
    await append(event(tenantId, 3, 'products.product.updated.v1'));
    const report = await makeAuditReport({ store })(tenantId, { from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z', granularity: 'hour' });
    expect(report).toMatchObject({
      total: 3,
      byType: { 'products.product.created.v1': 2, 'products.product.updated.v1': 1 },
      byPeriod: [{ period: '2026-11-25T10', total: 3 }],
    });
  });
});
