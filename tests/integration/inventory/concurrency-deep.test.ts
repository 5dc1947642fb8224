import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import { useTestKeys } from '../support/invoke';
import { createProduct, createdEvent, dataOf, deliver, getStock, loadFunctions, rawReservation, setStock, type Mod, type Token } from './support';

let token: Token;
let fns: Record<string, Mod>;

/**
 * Every one of 200 holds on one variant takes the variant's lock in turn: ~200 × (a read and a
 * write on FerretDB). On this shared 2-core machine that is 5–60 s depending on what else runs,
 * so this file (its own process) lets a waiter queue for up to 2 minutes; the default of 30 s
 * is sized for the checkout's case, where a sold-out variant answers the queue without the lock.
 */
beforeAll(async () => {
  process.env.STOCK_LOCK_WAIT_MS = '120000';
  token = await useTestKeys();
  fns = await loadFunctions();
});
afterAll(closeConnections);

const BUYERS = 200;

describe('inventory under concurrency (FerretDB, Redis locks)', () => {
  it(`${BUYERS} concurrent orders that all fit: every one queues on the variant's lock and gets its hold`, async () => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['DEEP']);
    expect((await setStock(fns, token, tenant, productId, 'DEEP', { onHand: BUYERS })).status).toBe(201);

    const events = Array.from({ length: BUYERS }, () => createdEvent(tenant, [{ productId, sku: 'DEEP', quantity: 1 }]));
    const started = Date.now();
    const replies = await Promise.all(events.map((event) => deliver(fns.created!, event)));
    console.info(`${BUYERS} concurrent holds on one variant (all granted) took ${Date.now() - started} ms`);

    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const statuses = await Promise.all(events.map(async (event) => (await rawReservation(dataOf<{ orderId: string }>(event).orderId))?.status));
    expect(statuses.filter((s) => s === 'reserved')).toHaveLength(BUYERS);
    expect((await getStock(fns, token, tenant, productId, 'DEEP')).body).toMatchObject({ onHand: BUYERS, reserved: BUYERS, available: 0, version: 1 + BUYERS });
  }, 180_000);
});
