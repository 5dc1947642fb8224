import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startSystem, type System } from './support/system';
import { openShop } from './support/commerce';
import { scheduledRequest } from '../../triggers/cron';

// A reservation lives for two seconds in this file's system, so a hold left alone lapses within the test.
const TTL_SECONDS = 2;
let system: System;
beforeAll(async () => {
  process.env.RESERVATION_TTL_SECONDS = String(TTL_SECONDS);
  system = await startSystem();
});
afterAll(async () => {
  await system?.stop();
  delete process.env.RESERVATION_TTL_SECONDS;
});

describe('a reservation left alone', () => {
  it('expires, gives its stock back and cancels the unpaid order', async () => {
    const shop = await openShop(system, { stock: 3 });
    const buyer = await shop.buyer();
    const created = await shop.placeOrder(buyer, 2);
    expect(created.status).toBe(201);
    // The saga holds the stock and opens the payment; the buyer never pays.
    await shop.waitForPendingPayment(created.body.id);
    expect(await shop.stock()).toMatchObject({ onHand: 3, reserved: 2, available: 1 });

    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 500));
    // The cron connector runs it every minute; the test does not wait for the minute.
    const tick = scheduledRequest('* * * * *', process.env.CONNECTOR_SECRET);
    const swept = await system.call('inventory-expire-reservations', { method: 'POST', headers: tick.headers, rawBody: tick.body });
    expect(swept.status).toBe(200);

    const cancelled = await shop.waitForState(buyer.token, created.body.id, ['cancelled']);
    expect(cancelled.cancellation).toMatchObject({ reason: 'reservation_expired', from: 'reserved' });
    await eventually(async () => ((await shop.stock()).available === 3 ? true : undefined), 'the stock to return');
    expect(await shop.stock()).toMatchObject({ onHand: 3, reserved: 0 });
    const payment = await eventually(async () => {
      const reply = await shop.payment(created.body.id);
      return reply.body.status === 'cancelled' ? reply.body : undefined;
    }, 'the open payment to be cancelled');
    expect(payment).toMatchObject({ captured: 0, refunded: 0 });
  });
});
