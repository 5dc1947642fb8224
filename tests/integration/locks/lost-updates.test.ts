import { afterAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import pino from 'pino';
import { closeConnections, isFerretDb, serviceDb } from '../../../layers/connections';
import { makeOutboxRelay, outboxCollection } from '../../../layers/events/outbox';
import { withDocumentLock } from '../../../layers/locks';
import { productUpdated } from '../../../functions/products/events';
import { productStore } from '../../../functions/products/repository';
import { buildProduct } from '../../../functions/products/rules';
import { productInput } from '../../../functions/products/schemas';

afterAll(closeConnections);

/**
 * FerretDB 1.24 applies an update as read-then-write with nothing held in between, so the
 * relay's `$pullAll` and a versioned write racing on one product could lose the write (it was
 * answered, then reverted). Both run under the document lock; this drives them against each
 * other and checks that no write and no event goes missing.
 */
describe('concurrent updates of one aggregate', () => {
  it('loses no versioned write and no event while the relay pulls', async () => {
    const store = await productStore();
    const tenantId = `t-${uuidv7()}`;
    let product = buildProduct(productInput.parse({ storeId: 's', name: 'Race Lamp', price: { amount: 1, currency: 'EUR' } }), {
      id: uuidv7(),
      tenantId,
      now: new Date(),
    });
    await store.insert(product, []);
    const published: string[] = [];
    const relay = makeOutboxRelay({
      aggregates: [{ service: 'products', collection: 'products' }],
      collection: outboxCollection,
      publish: async (entries) => void published.push(...entries.map((e) => e.id)),
      log: pino({ level: 'silent' }),
      now: Date.now,
      lock: withDocumentLock,
    });
    const target = [{ service: 'products', collection: 'products', id: product.id }];

    const written: string[] = [];
    const ROUNDS = 60;
    for (let round = 0; round < ROUNDS; round += 1) {
      const next = { ...product, name: `Race Lamp ${round}`, version: product.version + 1 };
      const event = productUpdated.create({ subject: product.id, tenantId, data: next, source: 'test' });
      const [replaced] = await Promise.all([
        store.replace(next, product.version, [event]),
        relay.drainOnce({ targets: target }),
        relay.drainOnce({ targets: target }),
      ]);
      expect(replaced).toBe(true);
      written.push(event.id);
      product = next;
    }
    await relay.drainOnce({ targets: target });

    expect((await store.get(tenantId, product.id))?.version).toBe(ROUNDS + 1);
    expect(new Set(published)).toEqual(new Set(written));
    const raw = await (await serviceDb('products')).collection('products').findOne({ _id: product.id as never });
    expect(raw?.outbox).toEqual([]);
    expect(typeof (await isFerretDb())).toBe('boolean');
  });
});
