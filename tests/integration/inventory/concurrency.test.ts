import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import { useTestKeys } from '../support/invoke';
import { createProduct, createdEvent, dataOf, deliver, getStock, loadFunctions, rawReservation, rawStock, setStock, type Mod, type Token } from './support';

let token: Token;
let fns: Record<string, Mod>;

beforeAll(async () => {
  token = await useTestKeys();
  fns = await loadFunctions();
});
afterAll(closeConnections);

const BUYERS = 200;
const UNITS = 10;

describe('inventory under concurrency (FerretDB, Redis locks)', () => {
  it(`${BUYERS} concurrent orders for ${UNITS} units: exactly ${UNITS} reserved, available 0, never negative, no lock timeout`, async () => {
    const tenant = `t-${uuidv7()}`;
    const productId = await createProduct(fns, token, tenant, ['HOT']);
    expect((await setStock(fns, token, tenant, productId, 'HOT', { onHand: UNITS, lowStockThreshold: 2 })).status).toBe(201);

    const events = Array.from({ length: BUYERS }, () => createdEvent(tenant, [{ productId, sku: 'HOT', quantity: 1 }]));
    const started = Date.now();
    const replies = await Promise.all(events.map((event) => deliver(fns.created!, event)));
    const elapsedMs = Date.now() - started;
    console.info(`${BUYERS} concurrent reservations of one variant took ${elapsedMs} ms`);

    // Every delivery finished: no 503 document_busy, no 409 in progress, nothing left for a retry.
    expect(replies.map((r) => `${r.status} ${r.body?.status ?? r.body?.code} ${r.status === 200 ? '' : JSON.stringify(r.body)}`.trim())).toEqual(
      Array(BUYERS).fill('200 processed'),
    );

    const statuses = await Promise.all(events.map(async (event) => (await rawReservation(dataOf<{ orderId: string }>(event).orderId))?.status));
    expect(statuses.filter((s) => s === 'reserved')).toHaveLength(UNITS);
    expect(statuses.filter((s) => s === 'rejected')).toHaveLength(BUYERS - UNITS);

    const level = await getStock(fns, token, tenant, productId, 'HOT');
    expect(level.body).toMatchObject({ onHand: UNITS, reserved: UNITS, available: 0, version: 1 + UNITS });

    const raw = (await rawStock(productId, 'HOT'))!;
    expect(raw.holds).toHaveLength(UNITS);
    expect(new Set(raw.holds.map((h) => h.orderId)).size).toBe(UNITS);
    // One stock.changed per version, their available counting down, never below 0; one stock.low at the crossing of 2.
    const changes = raw.outbox.filter((e) => e.type === 'inventory.stock.changed.v1').map((e) => dataOf<{ available: number; version: number }>(e));
    expect(changes.map((c) => c.version)).toEqual(Array.from({ length: UNITS + 1 }, (_, i) => i + 1));
    expect(changes.map((c) => c.available)).toEqual(Array.from({ length: UNITS + 1 }, (_, i) => UNITS - i));
    const lows = raw.outbox.filter((e) => e.type === 'inventory.stock.low.v1').map((e) => dataOf<{ available: number; threshold: number }>(e));
    expect(lows).toEqual([expect.objectContaining({ available: 2, threshold: 2 })]);
  }, 120_000);
});
