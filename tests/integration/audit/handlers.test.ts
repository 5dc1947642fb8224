import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import { invoke, useTestKeys } from '../support/invoke';

type Mod = Parameters<typeof invoke>[0];
let token: Awaited<ReturnType<typeof useTestKeys>>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  token = await useTestKeys();
  fns.query = (await import('../../../functions/audit/query')) as Mod;
  fns.report = (await import('../../../functions/audit/report')) as Mod;
  fns.verify = (await import('../../../functions/audit/verify')) as Mod;
});
afterAll(closeConnections);

// Function modules read their configuration at load: import them after the test keys are set.
const seed = async (tenantId: string, count: number) => {
  const { makeAppendEvent } = await import('../../../functions/audit/on-event');
  const { auditStore } = await import('../../../functions/audit/store');
  const append = makeAppendEvent({ store: await auditStore(), now: () => new Date() });
  for (let n = 0; n < count; n += 1) {
    await append({
      id: uuidv7(),
      type: 'products.product.created.v1',
      source: 'products-create',
      subject: `p${n}`,
      time: new Date().toISOString(),
      tenantId,
      data: { n },
    });
  }
};

describe('audit handlers', () => {
  it('query pages through the chain, verify passes, report counts', async () => {
    const tenant = `t-${uuidv7()}`;
    await seed(tenant, 3);
    const auth = await token(tenant, ['owner']);
    const first = await invoke<{ items: { seq: number }[]; nextCursor: string }>(fns.query!, { token: auth, query: { limit: '2' } });
    expect(first.body.items.map((i) => i.seq)).toEqual([1, 2]);
    const second = await invoke<{ items: { seq: number }[]; nextCursor: null }>(fns.query!, {
      token: auth,
      query: { limit: '2', cursor: first.body.nextCursor },
    });
    expect(second.body).toMatchObject({ items: [{ seq: 3 }], nextCursor: null });
    expect((await invoke(fns.verify!, { method: 'POST', token: auth })).body).toMatchObject({ valid: true, checked: 3 });
    const day = new Date().toISOString().slice(0, 10);
    const report = await invoke(fns.report!, { token: auth, query: { from: `${day}T00:00:00Z`, to: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(report.body).toMatchObject({ total: 3, byPeriod: [{ period: day, total: 3 }] });
  });

  it('shows a tenant only its own chain', async () => {
    const a = `t-${uuidv7()}`;
    await seed(a, 2);
    const b = await token(`t-${uuidv7()}`, ['owner']);
    expect((await invoke(fns.query!, { token: b })).body).toMatchObject({ items: [] });
    expect((await invoke(fns.verify!, { method: 'POST', token: b })).body).toMatchObject({ valid: true, checked: 0 });
  });

  it('is for admins: a staff token gets 403, bad ranges get 400', async () => {
    const tenant = `t-${uuidv7()}`;
    expect((await invoke(fns.query!, { token: await token(tenant, ['staff']) })).status).toBe(403);
    const reply = await invoke(fns.report!, { token: await token(tenant, ['admin']), query: { from: '2026-11-25T00:00:00Z', to: '2026-11-24T00:00:00Z' } });
    expect(reply).toMatchObject({ status: 400, body: { code: 'invalid_range' } });
  });
});
