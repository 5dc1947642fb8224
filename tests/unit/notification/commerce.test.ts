import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ConsumedEvent } from '../../../layers/events/consumer';
import {
  cancelledVariables,
  formatMoney,
  orderContactIdOf,
  orderVariables,
  ownerContactIdOf,
  refundedVariables,
  stockLowVariables,
  type Contact,
} from '../../../functions/notification/commerce';
import { cancellationDelivery, makeOnOrderCancelled } from '../../../functions/notification/on-order-cancelled';
import { makeOnOrderConfirmed, receiptDelivery } from '../../../functions/notification/on-order-confirmed';
import { makeOnPaymentRefunded } from '../../../functions/notification/on-payment-refunded';
import { makeOnStockLow } from '../../../functions/notification/on-stock-low';
import { makeRememberOwner } from '../../../functions/notification/on-tenant-provisioned';
import type { ContactStore } from '../../../functions/notification/repository';
import { messageIdOf } from '../../../functions/notification/rules';
import { renderTemplate, SAMPLE_VARIABLES, DEFAULT_TEMPLATES, validateTemplate } from '../../../functions/notification/templates';
import { memoryDeliverDeps } from './support';

const NOW = new Date('2030-01-01T10:00:00.000Z');
const ORDER = '0190a0a0-0000-7000-8000-0000000000f1';
const PRODUCT = '0190a0a0-0000-7000-8000-0000000000aa';

const event = <T>(type: string, data: T, tenantId = 't1'): ConsumedEvent<T> => {
  const id = uuidv7();
  return { id, type, source: 'test', subject: ORDER, time: NOW.toISOString(), tenantId, correlationId: id, data };
};

const memoryContactStore = (): ContactStore & { rows: Map<string, Contact & { tenantId: string }> } => {
  const rows = new Map<string, Contact & { tenantId: string }>();
  return {
    rows,
    async put(tenantId, id, contact) {
      rows.set(id, { ...contact, tenantId });
    },
    async get(tenantId, id) {
      const row = rows.get(id);
      if (!row || row.tenantId !== tenantId) return undefined;
      const { tenantId: _t, ...contact } = row;
      return contact;
    },
  };
};

const setup = () => {
  const memory = memoryDeliverDeps(() => NOW);
  const contacts = memoryContactStore();
  return { ...memory, contacts, deps: { ...memory.deps, contacts } };
};

const lines = [
  { productId: PRODUCT, sku: 'MUG-L', name: 'Stoneware <mug>', quantity: 2, unitPrice: 1250, lineTotal: 2500 },
  { productId: PRODUCT, sku: 'MUG-S', name: 'Small mug', quantity: 1, unitPrice: 990, lineTotal: 990 },
];
const order = { orderId: ORDER, buyerId: 'b1', storeId: null, lines, currency: 'EUR', total: 3490, email: 'buyer@example.com', version: 3 };

describe('money and variables', () => {
  it('formats integer minor units in the currency’s own exponent', () => {
    expect(formatMoney(1250, 'EUR')).toBe('€12.50');
    expect(formatMoney(1250, 'JPY')).toBe('¥1,250');
    expect(formatMoney(1250, 'KWD')).toBe('KWD\u00a01.250');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
    expect(formatMoney(123456, 'NGN')).toBe('NGN\u00a01,234.56');
  });

  it('maps an order to its lines, unit count and total', () => {
    expect(orderVariables(order)).toEqual({
      email: 'buyer@example.com',
      orderId: ORDER,
      lines: [
        { name: 'Stoneware <mug>', sku: 'MUG-L', quantity: 2, unitPrice: '€12.50', lineTotal: '€25.00' },
        { name: 'Small mug', sku: 'MUG-S', quantity: 1, unitPrice: '€9.90', lineTotal: '€9.90' },
      ],
      itemCount: 3,
      total: '€34.90',
      currency: 'EUR',
    });
  });

  it('says a refund follows only for a cancelled order that had been confirmed', () => {
    expect(cancelledVariables({ ...order, reason: 'buyer_cancelled', from: 'confirmed' })).toMatchObject({
      refund: true,
      reason: 'buyer_cancelled',
      reasonText: 'you asked us to cancel it',
    });
    expect(cancelledVariables({ ...order, reason: 'out_of_stock', from: 'pending' })).toMatchObject({
      refund: false,
      reasonText: expect.stringContaining('out of stock'),
    });
  });

  it('tells a partial refund from a full one', () => {
    const refund = {
      orderId: ORDER,
      paymentId: 'pay-1',
      provider: 'stripe' as const,
      amount: 3490,
      currency: 'EUR',
      refundId: 're-1',
      reason: 'requested' as const,
    };
    expect(refundedVariables({ ...refund, refunded: 1000, refundedTotal: 1000 }, 'b@example.com')).toMatchObject({
      amount: '€10.00',
      refundedTotal: '€10.00',
      captured: '€34.90',
      full: false,
      reasonText: 'as requested',
    });
    expect(refundedVariables({ ...refund, refunded: 2490, refundedTotal: 3490, reason: 'order_cancelled' }, 'b@example.com')).toMatchObject({ full: true });
  });

  it('names the product by id when the catalogue does not know it', () => {
    const stock = { productId: PRODUCT, sku: 'MUG-L', available: 2, threshold: 5 };
    expect(stockLowVariables(stock, { name: null, tenantName: null }, undefined)).toMatchObject({ name: '', tenantName: 'your shop', productName: PRODUCT });
    expect(stockLowVariables(stock, { name: 'Ada', tenantName: 'Engines' }, 'Mug')).toMatchObject({ name: 'Ada', tenantName: 'Engines', productName: 'Mug' });
  });

  it('keeps contact ids per tenant', () => {
    expect(ownerContactIdOf('t1')).toBe('t1:owner');
    expect(orderContactIdOf('t1', ORDER)).toBe(`t1:order:${ORDER}`);
  });
});

describe('default commerce templates', () => {
  it('list the lines in the receipt, escaping names in HTML', () => {
    const rendered = renderTemplate(DEFAULT_TEMPLATES['order-receipt'].email, orderVariables(order));
    expect(rendered.subject).toBe(`Your order ${ORDER} is confirmed`);
    expect(rendered.text).toContain('- 2 × Stoneware <mug> (MUG-L) at €12.50: €25.00\n- 1 × Small mug (MUG-S) at €9.90: €9.90\n');
    expect(rendered.text).toContain('Total: €34.90');
    expect(rendered.html).toContain('<td>Stoneware &lt;mug&gt; (MUG-L)</td>');
  });

  it('validate as tenant templates would (the sample variables cover them)', () => {
    for (const key of ['order-receipt', 'order-cancelled', 'payment-refunded', 'stock-low'] as const) {
      expect(validateTemplate(key, 'email', DEFAULT_TEMPLATES[key].email).subject).toBeTruthy();
      expect(validateTemplate(key, 'sms', DEFAULT_TEMPLATES[key].sms).text.length).toBeLessThan(300);
      expect(() => renderTemplate(DEFAULT_TEMPLATES[key].email, SAMPLE_VARIABLES[key])).not.toThrow();
    }
  });
});

describe('commerce consumers', () => {
  it('on-order-confirmed keeps the buyer’s address and sends the receipt once', async () => {
    const { deps, senders, contacts, messages } = setup();
    const confirmed = event('orders.order.confirmed.v1', { ...order, paymentId: 'pay-1' });
    expect(receiptDelivery(confirmed)).toMatchObject({ key: 'order-receipt', channel: 'email', to: 'buyer@example.com', tenantId: 't1' });
    expect(await makeOnOrderConfirmed(deps)(confirmed)).toBe('sent');
    expect(await makeOnOrderConfirmed(deps)(confirmed)).toBe('already-sent');
    expect(senders.emails).toHaveLength(1);
    expect(senders.emails[0]).toMatchObject({ to: 'buyer@example.com', subject: `Your order ${ORDER} is confirmed` });
    expect(senders.emails[0]!.text).toContain('Total: €34.90');
    expect(await contacts.get('t1', orderContactIdOf('t1', ORDER))).toEqual({ email: 'buyer@example.com', name: null, tenantName: null });
    expect(messages.rows.get(messageIdOf(confirmed.id, 'email'))).toMatchObject({ state: 'sent', templateKey: 'order-receipt' });
  });

  it('on-order-cancelled says why, and mentions the refund only for a confirmed order', async () => {
    const { deps, senders } = setup();
    const paid = event('orders.order.cancelled.v1', { ...order, reason: 'seller_cancelled' as const, from: 'confirmed' as const });
    expect(cancellationDelivery(paid)).toMatchObject({ key: 'order-cancelled', to: 'buyer@example.com' });
    await makeOnOrderCancelled(deps)(paid);
    await makeOnOrderCancelled(deps)(paid);
    const unpaid = event('orders.order.cancelled.v1', { ...order, reason: 'payment_failed' as const, from: 'reserved' as const });
    await makeOnOrderCancelled(deps)(unpaid);
    expect(senders.emails).toHaveLength(2);
    expect(senders.emails[0]!.text).toContain('was cancelled because the seller cancelled it');
    expect(senders.emails[0]!.text).toContain('your payment of €34.90 will be refunded');
    expect(senders.emails[1]!.text).toContain('because the payment did not go through');
    expect(senders.emails[1]!.text).not.toContain('refunded');
  });

  it('on-payment-refunded writes to the address the order left, once; unknown yet → a retryable 503 and nothing sent', async () => {
    const { deps, senders, contacts } = setup();
    const refunded = event('payment.payment.refunded.v1', {
      orderId: ORDER,
      paymentId: 'pay-1',
      provider: 'stripe' as const,
      amount: 3490,
      currency: 'EUR',
      refundId: 're-1',
      refunded: 3490,
      refundedTotal: 3490,
      reason: 'order_cancelled' as const,
    });
    await expect(makeOnPaymentRefunded(deps)(refunded)).rejects.toMatchObject({ status: 503, code: 'order_contact_unknown' });
    expect(senders.emails).toEqual([]);
    // Another tenant's order with the same id does not lend its address.
    await contacts.put('t2', orderContactIdOf('t2', ORDER), { email: 'other@example.com', name: null, tenantName: null }, NOW);
    await expect(makeOnPaymentRefunded(deps)(refunded)).rejects.toMatchObject({ status: 503 });

    await makeOnOrderCancelled(deps)(event('orders.order.cancelled.v1', { ...order, reason: 'buyer_cancelled' as const, from: 'confirmed' as const }));
    expect(await makeOnPaymentRefunded(deps)(refunded)).toBe('sent');
    expect(await makeOnPaymentRefunded(deps)(refunded)).toBe('already-sent');
    const notices = senders.emails.filter((m) => m.subject.includes('refunded'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ to: 'buyer@example.com', subject: `€34.90 refunded for order ${ORDER}` });
    expect(notices[0]!.text).toContain('Everything you paid, €34.90, has now been refunded.');
  });

  it('on-stock-low alerts the owner the provisioning left, naming the product; skips when no owner is known', async () => {
    const { deps, senders } = setup();
    const names = new Map([[PRODUCT, 'Stoneware mug']]);
    const onStockLow = makeOnStockLow({ ...deps, productName: async (_tenant, id) => names.get(id) });
    const low = event('inventory.stock.low.v1', { productId: PRODUCT, sku: 'MUG-L', available: 2, threshold: 5, version: 7 });
    expect(await onStockLow(low)).toBe('no-contact');
    expect(senders.emails).toEqual([]);

    await makeRememberOwner({ ...deps, now: () => NOW })(
      event('tenant.tenant.provisioned.v1', {
        ownerUserId: 'u1',
        ownerEmail: 'owner@example.com',
        ownerName: 'Grace',
        name: 'Hopper & Co',
        slug: 'hopper-co',
        type: 'SELLER_BUSINESS' as const,
        plan: 'PRO' as const,
      }),
    );
    expect(await onStockLow(low)).toBe('sent');
    expect(await onStockLow(low)).toBe('already-sent');
    expect(senders.emails).toHaveLength(1);
    expect(senders.emails[0]).toMatchObject({ to: 'owner@example.com', subject: 'Low stock: Stoneware mug (MUG-L) has 2 left' });
    expect(senders.emails[0]!.text).toMatch(/^Hello Grace,/);
    expect(senders.emails[0]!.text).toContain('in Hopper & Co is down to 2 available');
    expect(await onStockLow(event('inventory.stock.low.v1', { ...low.data, available: 1 }, 't2'))).toBe('no-contact');
  });

  it('on-stock-low still alerts when the catalogue lookup fails, naming the product by id', async () => {
    const { deps, senders, contacts } = setup();
    await contacts.put('t1', ownerContactIdOf('t1'), { email: 'owner@example.com', name: null, tenantName: null }, NOW);
    const onStockLow = makeOnStockLow({ ...deps, productName: async () => Promise.reject(new Error('redis down')) });
    expect(await onStockLow(event('inventory.stock.low.v1', { productId: PRODUCT, sku: 'MUG-L', available: 0, threshold: 5, version: 9 }))).toBe('sent');
    expect(senders.emails[0]!.subject).toBe(`Low stock: ${PRODUCT} (MUG-L) has 0 left`);
    expect(senders.emails[0]!.text).toMatch(/^Hello,/);
  });
});
