import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';
import { createProduct, dataOf, getStock, loadFunctions, rawStock, setStock, type Mod, type Token } from './support';

let token: Token;
let fns: Record<string, Mod>;

beforeAll(async () => {
  token = await useTestKeys();
  fns = await loadFunctions();
});
afterAll(closeConnections);

const adjust = async (tenantId: string, productId: string, sku: string, body: unknown, headers: Record<string, string> = idempotencyKey()) =>
  invoke<Record<string, unknown>>(fns.adjust!, { method: 'POST', path: `/${productId}/${sku}`, token: await token(tenantId, ['staff']), body, headers });

describe('inventory-set, -get and -adjust on FerretDB', () => {
  it('creates without If-Match (201), then replaces at the version read, with ETags and stock events', async () => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['MUG-M']);
    const created = await setStock(fns, token, tenant, productId, 'MUG-M', { onHand: 12, lowStockThreshold: 3 });
    expect(created).toMatchObject({ status: 201, body: { productId, sku: 'MUG-M', onHand: 12, reserved: 0, available: 12, lowStockThreshold: 3, version: 1 } });
    expect(created.headers.etag).toBe('"1"');

    expect(await setStock(fns, token, tenant, productId, 'MUG-M', { onHand: 20 })).toMatchObject({ status: 428, body: { code: 'precondition_required' } });
    expect(await setStock(fns, token, tenant, productId, 'MUG-M', { onHand: 20 }, '"7"')).toMatchObject({
      status: 412,
      body: { code: 'precondition_failed', currentVersion: 1 },
    });
    const replaced = await setStock(fns, token, tenant, productId, 'MUG-M', { onHand: 2 }, '"1"');
    expect(replaced).toMatchObject({ status: 200, body: { onHand: 2, available: 2, lowStockThreshold: 3, version: 2 } });

    const got = await getStock(fns, token, tenant, productId, 'MUG-M');
    expect(got).toMatchObject({ status: 200, body: { onHand: 2, reserved: 0, available: 2, version: 2 } });
    expect(got.headers.etag).toBe('"2"');

    // The set crossed the threshold of 3: stock.low beside stock.changed, in the same document write.
    const raw = (await rawStock(productId, 'MUG-M'))!;
    expect(raw.outbox.map((e) => e.type)).toEqual(['inventory.stock.changed.v1', 'inventory.stock.changed.v1', 'inventory.stock.low.v1']);
    expect(dataOf(raw.outbox[2]!)).toEqual({ productId, sku: 'MUG-M', available: 2, threshold: 3, version: 2 });
  });

  it('adjusts by a delta with a reason, replays the same Idempotency-Key, and refuses to go below available (409)', async () => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['A']);
    await setStock(fns, token, tenant, productId, 'A', { onHand: 5 });
    const key = idempotencyKey();
    const first = await adjust(tenant, productId, 'A', { delta: 7, reason: 'delivery from the kiln' }, key);
    expect(first).toMatchObject({ status: 200, body: { onHand: 12, available: 12, version: 2 } });
    expect(await adjust(tenant, productId, 'A', { delta: 7, reason: 'delivery from the kiln' }, key)).toMatchObject({ status: 200, body: { onHand: 12 } });
    expect((await getStock(fns, token, tenant, productId, 'A')).body).toMatchObject({ onHand: 12, version: 2 });

    expect(await adjust(tenant, productId, 'A', { delta: -13, reason: 'stocktake' })).toMatchObject({
      status: 409,
      body: { code: 'insufficient_stock', available: 12, requested: 13 },
    });
    expect(await adjust(tenant, productId, 'A', { delta: -12, reason: 'stocktake' })).toMatchObject({ status: 200, body: { onHand: 0, available: 0 } });
    expect(await adjust(tenant, productId, 'A', { delta: 1, reason: 'found' }, { ...idempotencyKey(), 'if-match': '"1"' })).toMatchObject({ status: 412 });
    const events = (await rawStock(productId, 'A'))!.outbox.filter((e) => e.type === 'inventory.stock.changed.v1').map((e) => dataOf(e));
    expect(events.map((e) => [e.cause, e.reason, e.available])).toEqual([
      ['set', undefined, 5],
      ['adjusted', 'delivery from the kiln', 12],
      ['adjusted', 'stocktake', 0],
    ]);
  });

  it('refuses an unknown variant (422), an unknown product (404), and unknown stock (404)', async () => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['A']);
    expect(await setStock(fns, token, tenant, productId, 'NOPE', { onHand: 1 })).toMatchObject({ status: 422, body: { code: 'variant_not_found' } });
    expect(await setStock(fns, token, tenant, uuidv7(), 'A', { onHand: 1 })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await getStock(fns, token, tenant, productId, 'A')).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await adjust(tenant, productId, 'A', { delta: 1, reason: 'x' })).toMatchObject({ status: 404 });
    expect(await rawStock(productId, 'NOPE')).toBeNull();
    expect(await rawStock(productId, 'A')).toBeNull();
  });

  it("keeps tenants apart: another tenant cannot read, set or adjust this tenant's stock", async () => {
    const owner = `t-${uuidv7()}`;
    const other = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, owner, ['A']);
    await setStock(fns, token, owner, productId, 'A', { onHand: 5 });
    expect((await getStock(fns, token, other, productId, 'A')).status).toBe(404);
    expect((await setStock(fns, token, other, productId, 'A', { onHand: 99 })).status).toBe(404);
    expect((await setStock(fns, token, other, productId, 'A', { onHand: 99 }, '"1"')).status).toBe(404);
    expect((await adjust(other, productId, 'A', { delta: 50, reason: 'mine' })).status).toBe(404);
    expect((await getStock(fns, token, owner, productId, 'A')).body).toMatchObject({ onHand: 5, version: 1 });
  });

  it('requires staff to write and a customer to read', async () => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['A']);
    const asCustomer = await token(tenant, ['customer']);
    expect(await invoke(fns.set!, { method: 'PUT', path: `/${productId}/A`, token: asCustomer, body: { onHand: 1 } })).toMatchObject({
      status: 403,
      body: { code: 'insufficient_role' },
    });
    expect(
      await invoke(fns.adjust!, { method: 'POST', path: `/${productId}/A`, token: asCustomer, body: { delta: 1, reason: 'x' }, headers: idempotencyKey() }),
    ).toMatchObject({ status: 403 });
    expect((await invoke(fns.get!, { path: `/${productId}/A` })).status).toBe(401);
    expect(await rawStock(productId, 'A')).toBeNull();
  });

  it.each([
    ['a negative count', { onHand: -1 }, 'validation_failed'],
    ['a fractional count', { onHand: 1.5 }, 'validation_failed'],
    ['a count as a string', { onHand: '5' }, 'validation_failed'],
    ['an operator instead of a count', { onHand: { $gt: 0 } }, 'forbidden_key'],
    ['no count', { lowStockThreshold: 1 }, 'validation_failed'],
    ['a negative threshold', { onHand: 1, lowStockThreshold: -1 }, 'validation_failed'],
    ['an unknown field', { onHand: 1, reserved: 0 }, 'validation_failed'],
    ['an operator key', { onHand: 1, $set: { onHand: 1000 } }, 'forbidden_key'],
    ['a count past the maximum', { onHand: 1_000_000_001 }, 'validation_failed'],
  ])('set refuses %s with a 400 problem and creates nothing', async (_name, body, code) => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['A']);
    const reply = await setStock(fns, token, tenant, productId, 'A', body);
    expect(reply).toMatchObject({ status: 400, body: { code } });
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(await rawStock(productId, 'A')).toBeNull();
  });

  it.each([
    ['a zero delta', { delta: 0, reason: 'nothing' }, 'validation_failed'],
    ['a fractional delta', { delta: 0.5, reason: 'half' }, 'validation_failed'],
    ['an operator delta', { delta: { $inc: 5 }, reason: 'x' }, 'forbidden_key'],
    ['no reason', { delta: 1 }, 'validation_failed'],
    ['an empty reason', { delta: 1, reason: '   ' }, 'validation_failed'],
    ['an unknown field', { delta: 1, reason: 'x', onHand: 100 }, 'validation_failed'],
  ])('adjust refuses %s with a 400 problem and changes nothing', async (_name, body, code) => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['A']);
    await setStock(fns, token, tenant, productId, 'A', { onHand: 5 });
    expect(await adjust(tenant, productId, 'A', body)).toMatchObject({ status: 400, body: { code } });
    expect((await getStock(fns, token, tenant, productId, 'A')).body).toMatchObject({ onHand: 5, version: 1 });
  });

  it('refuses malformed ids in the path, operator injection included, and an adjustment without Idempotency-Key', async () => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['A']);
    await setStock(fns, token, tenant, productId, 'A', { onHand: 5 });
    const staff = await token(tenant, ['staff']);
    for (const path of [`/not-a-uuid/A`, `/${encodeURIComponent('{"$ne":null}')}/A`, `/${productId}/${encodeURIComponent('$where')}`, `/${productId}/A%20B`]) {
      expect((await invoke(fns.get!, { path, token: staff })).status, path).toBe(400);
      expect((await invoke(fns.set!, { method: 'PUT', path, token: staff, body: { onHand: 1 } })).status, path).toBe(400);
    }
    expect((await invoke(fns.adjust!, { method: 'POST', path: `/${productId}/A`, token: staff, body: { delta: 1, reason: 'x' } })).status).toBe(400);
    expect((await getStock(fns, token, tenant, productId, 'A')).body).toMatchObject({ onHand: 5, version: 1 });
  });
});
