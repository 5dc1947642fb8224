import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDb } from '../../layers/connections';
import { entryId } from '../../functions/audit/store';
import { eventually, newTenant, productBody, startSystem, type System } from './support/system';

interface Product {
  id: string;
  version: number;
  name: string;
}
interface AuditPage {
  items: { seq: number; type: string; subject: string; eventId: string }[];
}

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => system?.stop());

const auditEntriesFor = async (token: string, subject: string, count: number) =>
  eventually(async () => {
    const page = await system.call<AuditPage>('audit-query', { path: `?subject=${subject}`, token });
    return page.body.items.length >= count ? page.body.items : undefined;
  }, `${count} audit entries for ${subject}`);

describe('a product through the whole system', () => {
  it('is created, reaches Kafka, lands in the audit chain, and the chain verifies', async () => {
    const tenant = newTenant();
    const token = await system.token({ tenant });
    const created = await system.call<Product>('products-create', {
      method: 'POST',
      token,
      body: productBody(),
      headers: { 'idempotency-key': `create-${tenant}` },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.body.id;

    const [entry] = await auditEntriesFor(token, id, 1);
    expect(entry).toMatchObject({ seq: 1, type: 'products.product.created.v1', subject: id });

    // The read model was projected from the same event: served from Redis.
    const view = await eventually(async () => {
      const got = await system.call<{ rating: unknown; inStock: unknown; version: number }>('products-get', { path: `/${id}`, token });
      return got.status === 200 ? got.body : undefined;
    }, 'the product view');
    expect(view).toMatchObject({ version: 1, rating: { count: 0, average: null }, inStock: null });

    const updated = await system.call<Product>('products-update', {
      method: 'PATCH',
      path: `/${id}`,
      token,
      body: { name: 'Linen Shirt, washed' },
      headers: { 'if-match': '"1"' },
    });
    expect(updated).toMatchObject({ status: 200, body: { version: 2, name: 'Linen Shirt, washed' } });
    const variant = await system.call<Product>('products-variant-upsert', {
      method: 'PUT',
      path: `/${id}/variants/LS-L`,
      token,
      body: { name: 'Large', attributes: { size: 'L' } },
      headers: { 'if-match': '"2"' },
    });
    expect(variant).toMatchObject({ status: 200, body: { version: 3 } });
    const entries = await auditEntriesFor(token, id, 3);
    expect(entries.map((e) => e.type)).toEqual(['products.product.created.v1', 'products.product.updated.v1', 'products.variant.upserted.v1']);

    const verdict = await system.call('audit-verify', { method: 'POST', token });
    expect(verdict).toMatchObject({ status: 200, body: { valid: true, checked: 3, headSeq: 3 } });

    const report = await system.call<{ total: number; byType: Record<string, number> }>('audit-report', {
      path: `?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}&granularity=hour`,
      token,
    });
    expect(report.body).toMatchObject({ total: 3, byType: { 'products.product.created.v1': 1 } });
  });

  it('says where the chain breaks once an entry is tampered with', async () => {
    const tenant = newTenant();
    const token = await system.token({ tenant });
    const ids: string[] = [];
    for (const name of ['Ash Bowl', 'Oak Bowl', 'Elm Bowl']) {
      const created = await system.call<Product>('products-create', {
        method: 'POST',
        token,
        body: productBody({ name }),
        headers: { 'idempotency-key': `${tenant}-${name.replace(/ /g, '_')}` },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
      await auditEntriesFor(token, created.body.id, 1);
    }
    expect((await system.call('audit-verify', { method: 'POST', token })).body).toMatchObject({ valid: true, checked: 3 });

    const entries = (await serviceDb('audit')).collection('audit_entries');
    await entries.updateOne({ _id: entryId(tenant, 2) as never }, { $set: { data: '{"price":{"amount":1,"currency":"EUR"}}' } });
    const verdict = await system.call('audit-verify', { method: 'POST', token });
    expect(verdict).toMatchObject({ status: 200, body: { valid: false, brokenAt: 2, reason: 'altered' } });
    expect((verdict.body as { detail: string }).detail).toContain('Entry 2');
  });

  it('lists, searches and deletes through the gateway', async () => {
    const tenant = newTenant();
    const token = await system.token({ tenant });
    for (const name of ['Copper Kettle', 'Copper Pan', 'Steel Pan']) {
      const created = await system.call('products-create', {
        method: 'POST',
        token,
        body: productBody({ name, category: 'kitchen' }),
        headers: { 'idempotency-key': `${tenant}-${name.replace(/ /g, '_')}` },
      });
      expect(created.status).toBe(201);
    }
    const first = await system.call<{ items: Product[]; nextCursor: string }>('products-list', { path: '?limit=2', token });
    const second = await system.call<{ items: Product[]; nextCursor: string | null }>('products-list', {
      path: `?limit=2&cursor=${first.body.nextCursor}`,
      token,
    });
    expect([...first.body.items, ...second.body.items].map((p) => p.name)).toEqual(['Copper Kettle', 'Copper Pan', 'Steel Pan']);
    expect(second.body.nextCursor).toBeNull();

    const found = await system.call<{ items: Product[] }>('products-search', { path: '?q=copper&category=kitchen', token });
    expect(found.body.items.map((p) => p.name)).toEqual(['Copper Kettle', 'Copper Pan']);

    const target = first.body.items[0]!;
    const deleted = await system.call('products-delete', { method: 'DELETE', path: `/${target.id}`, token, headers: { 'if-match': '"1"' } });
    expect(deleted.status).toBe(204);
    // The read model is a projection: the tombstone arrives with the deleted event, moments later.
    await eventually(
      async () => ((await system.call('products-get', { path: `/${target.id}`, token })).status === 404 ? true : undefined),
      'the view to be gone',
    );
    await auditEntriesFor(token, target.id, 2);
  });
});
