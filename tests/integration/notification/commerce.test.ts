import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { stockLow } from '../../../functions/inventory/events';
import { orderCancelled, orderConfirmed } from '../../../functions/orders/events';
import { paymentRefunded } from '../../../functions/payment/events';
import { tenantProvisioned } from '../../../functions/tenant/events';
import { resetCircuitBreakers } from '../../../layers/circuit-breaker';
import { closeConnections } from '../../../layers/connections';
import { attributesOf, toHeaders } from '../../../layers/events/cloudevent';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { startSmtpCapture, type SmtpCapture } from '../../support/mailbox';
import { invoke, useTestKeys } from '../support/invoke';

type Mod = Parameters<typeof invoke>[0];
type Message = { id: string; state: string; attempts: number; templateKey: string; to: string; subject: string | null; body: string };

let token: Awaited<ReturnType<typeof useTestKeys>>;
let smtp: SmtpCapture;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  smtp = await startSmtpCapture();
  Object.assign(process.env, { SMTP_URL: smtp.url, MAIL_FROM: 'Marketplace <no-reply@marketplace.test>', SMTP_TIMEOUT_MS: '2000' });
  token = await useTestKeys();
  // Imported after the environment is set: each function reads its configuration at load.
  const modules = {
    'on-order-confirmed': import('../../../functions/notification/on-order-confirmed'),
    'on-order-cancelled': import('../../../functions/notification/on-order-cancelled'),
    'on-payment-refunded': import('../../../functions/notification/on-payment-refunded'),
    'on-stock-low': import('../../../functions/notification/on-stock-low'),
    'on-tenant-provisioned': import('../../../functions/notification/on-tenant-provisioned'),
    'template-upsert': import('../../../functions/notification/template-upsert'),
    'message-list': import('../../../functions/notification/message-list'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(async () => {
  await Promise.all([smtp.stop(), closeConnections()]);
});
beforeEach(() => {
  smtp.refuse(false);
  resetCircuitBreakers();
});

/** What the trigger connector POSTs for an event: binary-mode CloudEvent headers and the data. */
const deliver = (fn: string, entry: OutboxEntry) =>
  invoke<{ status?: string; code?: string }>(fns[fn]!, {
    method: 'POST',
    headers: { ...toHeaders(attributesOf(entry), 'ce-'), 'x-topic': entry.topic },
    body: JSON.parse(entry.data),
  });

const messagesOf = async (tenantId: string) =>
  (await invoke<{ items: Message[] }>(fns['message-list']!, { token: await token(tenantId, ['admin']), query: { limit: '100' } })).body.items;

/** Gives a just-captured message time to be followed by a (wrong) second one. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

const mailsTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address));

const orderData = (email: string) => ({
  orderId: uuidv7(),
  buyerId: 'buyer-1',
  storeId: null,
  lines: [
    { productId: uuidv7(), sku: 'MUG-L', name: 'Stoneware mug & saucer', quantity: 2, unitPrice: 1250, lineTotal: 2500 },
    { productId: uuidv7(), sku: 'TEA-1', name: 'Assam tea', quantity: 1, unitPrice: 899, lineTotal: 899 },
  ],
  currency: 'EUR',
  total: 3399,
  email,
  version: 3,
});

const confirmedEvent = (tenantId: string, data: ReturnType<typeof orderData>) =>
  orderConfirmed.create({ subject: data.orderId, tenantId, source: 'orders-on-payment-succeeded', data: { ...data, paymentId: `pay-${data.orderId}` } });

const refundEvent = (tenantId: string, orderId: string, refunded: number, refundedTotal: number) =>
  paymentRefunded.create({
    subject: orderId,
    tenantId,
    source: 'payment-on-order-cancelled',
    data: {
      orderId,
      paymentId: `pay-${orderId}`,
      provider: 'stripe',
      amount: 3399,
      currency: 'EUR',
      refundId: `re-${uuidv7()}`,
      refunded,
      refundedTotal,
      reason: 'order_cancelled',
    },
  });

describe('commerce notifications with real SMTP and FerretDB', () => {
  it('on-order-confirmed emails the receipt (lines and total) exactly once under redelivery', async () => {
    const tenant = `t-${uuidv7()}`;
    const email = `buyer-${uuidv7()}@example.com`;
    const data = orderData(email);
    const entry = confirmedEvent(tenant, data);
    expect((await deliver('on-order-confirmed', entry)).body).toEqual({ status: 'processed' });
    const replies = await Promise.all([deliver('on-order-confirmed', entry), deliver('on-order-confirmed', entry)]);
    for (const reply of replies) expect([200, 409]).toContain(reply.status);
    expect((await deliver('on-order-confirmed', entry)).body).toEqual({ status: 'duplicate' });

    const mail = await smtp.waitFor((m) => m.to.includes(email));
    await settle();
    expect(mailsTo(email)).toHaveLength(1);
    expect(mail.subject).toBe(`Your order ${data.orderId} is confirmed`);
    expect(mail.text).toContain('- 2 × Stoneware mug & saucer (MUG-L) at €12.50: €25.00');
    expect(mail.text).toContain('- 1 × Assam tea (TEA-1) at €8.99: €8.99');
    expect(mail.text).toContain('Total: €33.99');
    expect(mail.html).toContain('Stoneware mug &amp; saucer');
    expect((await messagesOf(tenant)).find((m) => m.id === `${entry.id}:email`)).toMatchObject({
      state: 'sent',
      attempts: 1,
      templateKey: 'order-receipt',
      to: email,
    });
  });

  it("uses the tenant's own receipt template, and only for that tenant", async () => {
    const tenant = `t-${uuidv7()}`;
    const upserted = await invoke(fns['template-upsert']!, {
      method: 'PUT',
      path: '/order-receipt/email',
      token: await token(tenant, ['admin']),
      body: { subject: 'Receipt {{orderId}}', text: '{{#each lines}}{{quantity}}x{{sku}} {{/each}}= {{total}} ({{itemCount}} items)' },
    });
    expect(upserted.status).toBe(201);
    const mine = orderData(`mine-${uuidv7()}@example.com`);
    const theirs = orderData(`theirs-${uuidv7()}@example.com`);
    await deliver('on-order-confirmed', confirmedEvent(tenant, mine));
    await deliver('on-order-confirmed', confirmedEvent(`t-${uuidv7()}`, theirs));
    expect(await smtp.waitFor((m) => m.to.includes(mine.email))).toMatchObject({
      subject: `Receipt ${mine.orderId}`,
      text: '2xMUG-L 1xTEA-1 = €33.99 (3 items)\n',
    });
    expect((await smtp.waitFor((m) => m.to.includes(theirs.email))).subject).toBe(`Your order ${theirs.orderId} is confirmed`);
  });

  it('on-order-cancelled says why, mentioning the refund only when the order had been confirmed', async () => {
    const tenant = `t-${uuidv7()}`;
    const paid = orderData(`paid-${uuidv7()}@example.com`);
    const unpaid = orderData(`unpaid-${uuidv7()}@example.com`);
    const paidEntry = orderCancelled.create({
      subject: paid.orderId,
      tenantId: tenant,
      source: 'orders-cancel',
      data: { ...paid, reason: 'buyer_cancelled', from: 'confirmed' },
    });
    const unpaidEntry = orderCancelled.create({
      subject: unpaid.orderId,
      tenantId: tenant,
      source: 'orders-on-inventory-rejected',
      data: { ...unpaid, reason: 'out_of_stock', from: 'pending' },
    });
    await deliver('on-order-cancelled', paidEntry);
    await deliver('on-order-cancelled', paidEntry);
    await deliver('on-order-cancelled', unpaidEntry);
    const paidMail = await smtp.waitFor((m) => m.to.includes(paid.email));
    const unpaidMail = await smtp.waitFor((m) => m.to.includes(unpaid.email));
    await settle();
    expect(mailsTo(paid.email)).toHaveLength(1);
    expect(paidMail.subject).toBe(`Your order ${paid.orderId} was cancelled`);
    expect(paidMail.text).toContain('because you asked us to cancel it');
    expect(paidMail.text).toContain('your payment of €33.99 will be refunded');
    expect(unpaidMail.text).toContain('because some of its items are out of stock');
    expect(unpaidMail.text).toContain('You will not be charged for it.');
  });

  it("on-payment-refunded reaches the buyer through the order's contact, once; before the order is known it fails retryably and sends nothing", async () => {
    const tenant = `t-${uuidv7()}`;
    const data = orderData(`refund-${uuidv7()}@example.com`);
    const partial = refundEvent(tenant, data.orderId, 1000, 1000);
    expect(await deliver('on-payment-refunded', partial)).toMatchObject({ status: 503, body: { code: 'order_contact_unknown' } });
    expect(await messagesOf(tenant)).toEqual([]);

    await deliver('on-order-confirmed', confirmedEvent(tenant, data));
    expect((await deliver('on-payment-refunded', partial)).body).toEqual({ status: 'processed' });
    expect((await deliver('on-payment-refunded', partial)).body).toEqual({ status: 'duplicate' });
    const rest = refundEvent(tenant, data.orderId, 2399, 3399);
    await deliver('on-payment-refunded', rest);

    const first = await smtp.waitFor((m) => m.to.includes(data.email) && m.subject.startsWith('€10.00 refunded'));
    const second = await smtp.waitFor((m) => m.to.includes(data.email) && m.subject.startsWith('€23.99 refunded'));
    await settle();
    expect(mailsTo(data.email).filter((m) => m.subject.includes('refunded'))).toHaveLength(2);
    expect(first.text).toContain('€10.00 of the €33.99 you paid has been refunded so far.');
    expect(second.text).toContain('Everything you paid, €33.99, has now been refunded.');
  });

  it('on-stock-low alerts the tenant owner kept from provisioning, with the product name from the catalogue; none known → skipped', async () => {
    const tenant = `t-${uuidv7()}`;
    const owner = `owner-${uuidv7()}@example.com`;
    const productId = uuidv7();
    const low = stockLow.create({
      subject: productId,
      tenantId: tenant,
      source: 'inventory-on-order-created',
      data: { productId, sku: 'MUG-L', available: 2, threshold: 5, version: 4 },
    });

    expect((await deliver('on-stock-low', low)).body).toEqual({ status: 'processed' });
    expect(await messagesOf(tenant)).toEqual([]);

    const { viewStore } = await import('../../../functions/products/read-model');
    await (
      await viewStore()
    ).update(tenant, productId, (view) => ({
      ...view,
      product: {
        id: productId,
        tenantId: tenant,
        storeId: 'main',
        name: 'Stoneware mug',
        description: '',
        category: 'kitchen',
        tags: [],
        status: 'active',
        price: { amount: 1250, currency: 'EUR' },
        variants: [],
        version: 1,
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      },
      rev: view.rev + 1,
    }));
    await deliver(
      'on-tenant-provisioned',
      tenantProvisioned.create({
        subject: tenant,
        tenantId: tenant,
        source: 'tenant-on-onboarding-completed',
        data: {
          ownerUserId: 'u-1',
          ownerEmail: owner,
          ownerName: 'Grace',
          name: 'Hopper Homeware',
          slug: 'hopper-homeware',
          type: 'SELLER_BUSINESS',
          plan: 'PRO',
        },
      }),
    );
    const again = stockLow.create({
      subject: productId,
      tenantId: tenant,
      source: 'inventory-on-order-created',
      data: { productId, sku: 'MUG-L', available: 1, threshold: 5, version: 5 },
    });
    await deliver('on-stock-low', again);
    await deliver('on-stock-low', again);
    const alert = await smtp.waitFor((m) => m.to.includes(owner) && m.subject.startsWith('Low stock'));
    await settle();
    expect(mailsTo(owner).filter((m) => m.subject.startsWith('Low stock'))).toHaveLength(1);
    expect(alert.subject).toBe('Low stock: Stoneware mug (MUG-L) has 1 left');
    expect(alert.text).toContain('Hello Grace,');
    expect(alert.text).toContain('in Hopper Homeware is down to 1 available, at or below its low-stock threshold of 5');
  });

  it('an SMTP server refusing the receipt: retryable failure, then sent once', async () => {
    const tenant = `t-${uuidv7()}`;
    const data = orderData(`retry-${uuidv7()}@example.com`);
    const entry = confirmedEvent(tenant, data);
    smtp.refuse(451);
    expect(await deliver('on-order-confirmed', entry)).toMatchObject({ status: 503, body: { code: 'delivery_failed' } });
    smtp.refuse(false);
    expect((await deliver('on-order-confirmed', entry)).body).toEqual({ status: 'processed' });
    await smtp.waitFor((m) => m.to.includes(data.email));
    await settle();
    expect(mailsTo(data.email)).toHaveLength(1);
    expect((await messagesOf(tenant))[0]).toMatchObject({ state: 'sent', attempts: 2 });
  });
});
