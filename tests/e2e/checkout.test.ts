import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { eventually, startSystem, type System } from './support/system';
import { openShop, settle, stripeWebhook, type Order } from './support/commerce';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => system?.stop());

const day = 24 * 60 * 60 * 1000;

describe('checkout, end to end through the gateway', () => {
  it('takes a buyer from cart to a moderated review, with stock, rating, receipt and audit following', async () => {
    const shop = await openShop(system, { stock: 5, price: 4900 });
    const buyer = await shop.buyer();

    const added = await system.call<{ items: unknown[]; subtotal: number }>('cart-add-item', {
      method: 'POST',
      token: buyer.token,
      body: { productId: shop.productId, sku: shop.sku, quantity: 2 },
    });
    expect(added.status).toBe(200);
    expect(added.body.subtotal).toBe(9800);

    const coupon = await system.call('cart-coupon-create', {
      method: 'POST',
      token: shop.owner,
      body: { code: 'LINEN10', kind: 'percentage', value: 10, minimumSpend: 5000, validUntil: new Date(Date.now() + day).toISOString(), usageLimit: 100 },
      headers: { 'idempotency-key': uuidv7() },
    });
    expect(coupon.status).toBe(201);
    const applied = await system.call<{ discount: number; total: number }>('cart-apply-coupon', {
      method: 'POST',
      token: buyer.token,
      body: { code: 'LINEN10' },
    });
    expect(applied).toMatchObject({ status: 200, body: { discount: 980, total: 8820 } });

    // Checkout from the cart: the server prices it; nothing the client could say about money is read.
    const created = await system.call<Order>('orders-create', {
      method: 'POST',
      token: buyer.token,
      body: { email: buyer.email, payment: { provider: 'stripe', method: 'pm_card_visa' } },
      headers: { 'idempotency-key': uuidv7() },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'pending', subtotal: 9800, discount: 980, total: 8820, currency: 'EUR' });
    const orderId = created.body.id;

    await settle(system, shop, created.body);
    await shop.waitForState(buyer.token, orderId, ['confirmed']);

    // Inventory committed: two units left the shelf, nothing is held any more.
    const stock = await eventually(async () => {
      const level = await shop.stock();
      return level.onHand === 3 && level.reserved === 0 ? level : undefined;
    }, 'the reservation to be committed');
    expect(stock.available).toBe(3);
    expect((await shop.payment(orderId)).body).toMatchObject({ status: 'succeeded', captured: 8820, refunded: 0 });

    const receipt = await system.mailbox!.smtp.waitFor((mail) => mail.to.includes(buyer.email), 20_000);
    expect(receipt.text).toContain('88.20');

    // The cart was emptied by the order.
    await eventually(async () => {
      const cart = await system.call<{ items: unknown[] }>('cart-get', { token: buyer.token });
      return cart.status === 200 && cart.body.items.length === 0 ? true : undefined;
    }, 'the cart to be cleared');

    expect((await system.call('orders-fulfil', { method: 'POST', path: `/${orderId}`, token: shop.owner })).status).toBe(200);
    expect((await system.call('orders-deliver', { method: 'POST', path: `/${orderId}`, token: shop.owner })).status).toBe(200);

    const review = await eventually(async () => {
      const reply = await system.call<{ id: string; version: number }>('review-create', {
        method: 'POST',
        token: buyer.token,
        body: { productId: shop.productId, rating: 4, body: 'Soft linen, true to size.' },
        headers: { 'idempotency-key': uuidv7() },
      });
      return reply.status === 201 ? reply.body : undefined;
    }, 'the delivery to make the buyer eligible to review');
    const moderated = await system.call('review-moderate', {
      method: 'POST',
      path: `/${review.id}`,
      token: shop.owner,
      body: { decision: 'approved' },
      headers: { 'if-match': `"${review.version}"` },
    });
    expect(moderated.status).toBe(200);

    // The product's read model follows both services: rating from review, stock from inventory.
    const view = await eventually(async () => {
      const reply = await system.call<{ rating: { count: number; average: number }; stock: Record<string, { available: number }> }>('products-get', {
        path: `/${shop.productId}`,
        token: buyer.token,
      });
      return reply.body.rating.count === 1 && reply.body.stock[shop.sku]?.available === 3 ? reply.body : undefined;
    }, 'the product view to show the rating and the stock');
    expect(view.rating.average).toBe(4);

    // Every event the journey caused is in the tenant's audit chain (the whole chain, paged), once, and the chain verifies.
    const journey = [
      'products.product.created.v1',
      'inventory.stock.changed.v1',
      'cart.coupon.created.v1',
      'orders.order.created.v1',
      'inventory.reservation.reserved.v1',
      'payment.payment.succeeded.v1',
      'orders.order.confirmed.v1',
      'orders.order.fulfilled.v1',
      'orders.order.delivered.v1',
      'review.review.created.v1',
      'review.review.moderated.v1',
      'review.rating.updated.v1',
    ];
    const chain = await eventually(async () => {
      const entries: { type: string; subject: string; eventId: string }[] = [];
      for (let cursor: string | undefined = ''; cursor !== undefined;) {
        const page: { body: { items: { type: string; subject: string; eventId: string }[]; nextCursor?: string | null } } = await system.call('audit-query', {
          path: `?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
          token: shop.owner,
        });
        entries.push(...page.body.items);
        cursor = page.body.nextCursor ?? undefined;
      }
      const seen = new Set(entries.map((entry) => entry.type));
      return journey.every((type) => seen.has(type)) ? entries : undefined;
    }, 'the whole journey in the audit chain');
    const ofOrder = (type: string) => chain.filter((entry) => entry.type === type && entry.subject === orderId);
    for (const type of journey.filter((t) => t.startsWith('orders.') || t.startsWith('payment.') || t.startsWith('inventory.reservation')))
      expect(ofOrder(type), type).toHaveLength(1);
    // Stock changes: set, reserved, committed; every event recorded once.
    expect(chain.filter((entry) => entry.type === 'inventory.stock.changed.v1').length).toBeGreaterThanOrEqual(3);
    expect(new Set(chain.map((entry) => entry.eventId)).size).toBe(chain.length);
    expect((await system.call('audit-verify', { method: 'POST', token: shop.owner })).body).toMatchObject({ valid: true });
  });

  it('cancels an order it cannot stock, and charges nothing; once the catalogue shows it sold out, refuses up front', async () => {
    const shop = await openShop(system, { stock: 1 });
    await eventually(async () => ((await shop.view()).stock?.[shop.sku]?.available === 1 ? true : undefined), 'the stock in the product view');
    // Five buyers for the last unit at the same moment: the catalogue still shows it, so all are placed; one is held.
    const buyers = await Promise.all(Array.from({ length: 5 }, () => shop.buyer()));
    const placed = await Promise.all(buyers.map((buyer) => shop.placeOrder(buyer, 1)));
    expect(placed.map((reply) => reply.status)).toEqual([201, 201, 201, 201, 201]);
    // Each ends held (its payment opened) or cancelled.
    const outcomes = await Promise.all(
      placed.map((reply, index) =>
        eventually(
          async () => {
            const order = (await shop.order(buyers[index]!.token, reply.body.id)).body;
            if (order.state === 'cancelled') return order;
            return (await shop.payment(reply.body.id)).status === 200 ? order : undefined;
          },
          `order ${reply.body.id} held or cancelled`,
          30_000,
        ),
      ),
    );
    const cancelled = outcomes.filter((order) => order.state === 'cancelled');
    expect(cancelled).toHaveLength(4);
    for (const order of cancelled) {
      expect(order.cancellation).toMatchObject({ reason: 'out_of_stock', from: 'pending' });
      // Nothing charged: no payment, or the one the cancellation recorded so that a late payment step charges nothing.
      const payment = await shop.payment(order.id);
      if (payment.status !== 404) expect(payment.body).toMatchObject({ status: 'cancelled', captured: 0 });
    }
    expect(await shop.stock()).toMatchObject({ onHand: 1, reserved: 1, available: 0 });

    // The catalogue follows the hold; a later buyer is refused before anything is written.
    await eventually(async () => ((await shop.view()).stock?.[shop.sku]?.available === 0 ? true : undefined), 'the sold-out view');
    const late = await shop.buyer();
    const refused = await shop.placeOrder(late, 1);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'insufficient_stock', available: 0, requested: 1 });
    expect((await system.call<{ items: unknown[] }>('orders-list', { token: late.token })).body.items).toEqual([]);
  });

  it('cancels a declined order and releases its stock', async () => {
    const shop = await openShop(system, { stock: 3 });
    const buyer = await shop.buyer();
    const created = await shop.placeOrder(buyer, 2);
    await settle(system, shop, created.body, 'failed');
    const cancelled = await shop.waitForState(buyer.token, created.body.id, ['cancelled']);
    expect(cancelled.cancellation).toMatchObject({ reason: 'payment_failed' });
    await eventually(async () => ((await shop.stock()).available === 3 ? true : undefined), 'the stock to be released');
    expect(await shop.stock()).toMatchObject({ onHand: 3, reserved: 0 });
    expect((await shop.payment(created.body.id)).body).toMatchObject({ status: 'failed', captured: 0 });
  });

  it('refunds a paid order cancelled by its buyer, once, and refuses a cancel after delivery', async () => {
    const shop = await openShop(system, { stock: 4, price: 2500 });
    const buyer = await shop.buyer();
    const paid = await shop.placeOrder(buyer, 1);
    await settle(system, shop, paid.body);
    await shop.waitForState(buyer.token, paid.body.id, ['confirmed']);

    const cancel = () =>
      system.call<Order>('orders-cancel', { method: 'POST', path: `/${paid.body.id}`, token: buyer.token, body: { reason: 'buyer_cancelled' } });
    expect((await cancel()).status).toBe(200);
    expect((await cancel()).body).toMatchObject({ code: 'illegal_transition', state: 'cancelled' });
    const refunded = await eventually(async () => {
      const reply = await shop.payment(paid.body.id);
      return reply.body.refunded === 2500 ? reply.body : undefined;
    }, 'the refund');
    // A replay of the same success webhook changes nothing: still one refund, never more than captured.
    await stripeWebhook(system, {
      type: 'payment_intent.succeeded',
      intentId: refunded.providerReference!,
      tenantId: shop.tenant,
      orderId: paid.body.id,
      amount: 2500,
      currency: 'EUR',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = (await shop.payment(paid.body.id)).body;
    expect(after.refunds).toHaveLength(1);
    expect(after).toMatchObject({ captured: 2500, refunded: 2500 });
    await eventually(async () => ((await shop.stock()).onHand === 4 ? true : undefined), 'the cancelled units back on the shelf');

    const delivered = await shop.placeOrder(buyer, 1);
    await settle(system, shop, delivered.body);
    await shop.waitForState(buyer.token, delivered.body.id, ['confirmed']);
    await system.call('orders-fulfil', { method: 'POST', path: `/${delivered.body.id}`, token: shop.owner });
    await system.call('orders-deliver', { method: 'POST', path: `/${delivered.body.id}`, token: shop.owner });
    const late = await system.call<{ code: string; state: string }>('orders-cancel', {
      method: 'POST',
      path: `/${delivered.body.id}`,
      token: buyer.token,
      body: { reason: 'buyer_cancelled' },
    });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'illegal_transition', state: 'delivered' });
  });

  it('answers the same Idempotency-Key sent 50 times at once with one order', async () => {
    const shop = await openShop(system, { stock: 10 });
    const buyer = await shop.buyer();
    const key = uuidv7();
    const replies = await Promise.all(Array.from({ length: 50 }, () => shop.placeOrder(buyer, 1, key)));
    const ids = new Set(replies.filter((reply) => reply.status === 201).map((reply) => reply.body.id));
    expect(ids.size).toBe(1);
    // The others were replays of the first answer or told it was still in flight; none is a 5xx.
    expect(replies.every((reply) => reply.status === 201 || reply.status === 409)).toBe(true);
    const list = await eventually(async () => {
      const page = await system.call<{ items: { id: string }[] }>('orders-list', { token: buyer.token });
      return page.body.items.length > 0 ? page.body.items : undefined;
    }, 'the buyer order list');
    expect(list).toHaveLength(1);
  });
});
