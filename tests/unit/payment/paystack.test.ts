import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paystackGateway, transactionOutcome } from '../../../functions/payment/paystack';
import { DEV_PAYSTACK_PATH, startDevPaystack, startPaystackPeer, type PaystackPeer } from '../../../openfaas/gateway/dev-paystack';
import { orderIdOf } from './support';

let peer: PaystackPeer;
const secretKey = `sk_test_${'b'.repeat(40)}`;
const gateway = () => paystackGateway({ base: peer.url, secretKey, timeoutMs: 2_000, callbackUrl: 'https://shop.example/paid' });
const charge = (n: number, overrides: Record<string, unknown> = {}) => ({
  tenantId: 't-p',
  orderId: orderIdOf(n),
  buyerId: 'buyer-p',
  amount: 250000,
  currency: 'NGN',
  email: 'ada@example.com',
  ...overrides,
});

beforeAll(async () => {
  peer = await startPaystackPeer({ secretKey });
});
afterAll(() => peer.stop());

describe('Paystack adapter against the local Paystack peer', () => {
  it('initialises a transaction with the order id as reference; the buyer pays on the hosted page', async () => {
    const outcome = await gateway().charge(charge(1));
    expect(outcome).toMatchObject({ kind: 'pending', reference: orderIdOf(1), amount: 250000, currency: 'NGN', nextAction: { type: 'redirect' } });
    const tx = peer.transaction(orderIdOf(1))!;
    expect(tx).toMatchObject({
      amount: 250000,
      currency: 'NGN',
      email: 'ada@example.com',
      status: 'abandoned',
      metadata: { tenantId: 't-p', orderId: orderIdOf(1), buyerId: 'buyer-p' },
    });
    expect((outcome as { nextAction: { url: string } }).nextAction.url).toBe(tx.authorizationUrl);
  });

  it('a retried step never initialises twice: the duplicate reference is verified instead', async () => {
    await gateway().charge(charge(2));
    expect(await gateway().charge(charge(2))).toEqual({ kind: 'pending', reference: orderIdOf(2), nextAction: null, amount: 250000, currency: 'NGN' });
    await peer.pay(orderIdOf(2));
    expect(await gateway().charge(charge(2))).toEqual({ kind: 'succeeded', reference: orderIdOf(2), amount: 250000, currency: 'NGN' });
    expect(peer.transactions.filter((t) => t.reference === orderIdOf(2))).toHaveLength(1);
    await gateway().charge(charge(3));
    await peer.pay(orderIdOf(3), 'failed');
    expect(await gateway().charge(charge(3))).toMatchObject({ kind: 'failed', reason: 'Declined' });
  });

  it("Paystack's refusal fails the payment; an outage or a refused key throws for a retry", async () => {
    expect(await gateway().charge(charge(4, { currency: 'GBP' }))).toEqual({
      kind: 'failed',
      reference: null,
      reason: 'Paystack refused the request: Currency not supported by merchant',
      amount: 250000,
      currency: 'GBP',
    });
    peer.fail(503);
    await expect(gateway().charge(charge(5))).rejects.toMatchObject({ status: 503, code: 'paystack_unavailable' });
    peer.fail(false);
    const before = peer.unauthorized;
    await expect(paystackGateway({ base: peer.url, secretKey: 'sk_test_wrong_key_000000', timeoutMs: 2_000 }).charge(charge(6))).rejects.toThrow(/secret key/);
    expect(peer.unauthorized).toBe(before + 1);
    await expect(paystackGateway({ base: 'http://127.0.0.1:1', secretKey, timeoutMs: 500 }).charge(charge(7))).rejects.toMatchObject({
      code: 'paystack_unavailable',
    });
  });

  it('refunds partly and fully, and Paystack refuses more than the transaction', async () => {
    await gateway().charge(charge(8));
    await peer.pay(orderIdOf(8));
    const call = {
      tenantId: 't-p',
      orderId: orderIdOf(8),
      reference: orderIdOf(8),
      currency: 'NGN',
      refundId: 'r1',
      idempotencyKey: 'k',
      reason: 'requested' as const,
    };
    expect(await gateway().refund({ ...call, amount: 100000 })).toMatchObject({ kind: 'succeeded', providerRefundId: expect.stringMatching(/^\d+$/) });
    expect(await gateway().refund({ ...call, amount: 150001 })).toEqual({
      kind: 'failed',
      reason: 'Paystack refused the request: Refund amount cannot be more than the unrefunded balance',
    });
    expect(await gateway().refund({ ...call, amount: 150000 })).toMatchObject({ kind: 'succeeded' });
    expect(peer.refunds.filter((r) => r.reference === orderIdOf(8)).map((r) => r.amount)).toEqual([100000, 150000]);
    expect(await gateway().refund({ ...call, amount: 1 })).toMatchObject({ kind: 'failed', reason: expect.stringContaining('fully reversed') });
    expect(await gateway().cancel({ orderId: orderIdOf(8), reference: orderIdOf(8) })).toBe(true);
  });

  it('reads a verified transaction', () => {
    const tx = { id: 1, reference: 'r', amount: 5, currency: 'ngn' };
    expect(transactionOutcome({ ...tx, status: 'success' })).toMatchObject({ kind: 'succeeded', currency: 'NGN' });
    expect(transactionOutcome({ ...tx, status: 'reversed', gateway_response: null })).toMatchObject({ kind: 'failed', reason: 'reversed' });
    expect(transactionOutcome({ ...tx, status: 'ongoing' })).toMatchObject({ kind: 'pending' });
  });
});

describe('the Paystack peer', () => {
  it('speaks Paystack: bearer check, envelopes, verify, refund errors', async () => {
    const call = (method: string, path: string, body?: unknown, key = secretKey, contentType = 'application/json') =>
      fetch(`${peer.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    expect(await call('GET', '/transaction/verify/nope', undefined, 'sk_test_bad')).toMatchObject({
      status: 401,
      body: { status: false, message: 'Invalid key' },
    });
    expect(await call('GET', '/transaction/verify/nope')).toMatchObject({ status: 400, body: { status: false, code: 'transaction_not_found' } });
    expect(await call('POST', '/transaction/initialize', { email: 'x', amount: 100 })).toMatchObject({ status: 400, body: { code: 'invalid_email' } });
    expect(await call('POST', '/transaction/initialize', { email: 'a@b.c', amount: -1 })).toMatchObject({ status: 400, body: { code: 'invalid_amount' } });
    expect(await call('POST', '/transaction/initialize', { email: 'a@b.c', amount: 100, reference: 'bad ref!' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_reference' },
    });
    expect(await call('POST', '/transaction/initialize', '{oops')).toMatchObject({ status: 400, body: { code: 'invalid_body' } });
    const created = await call('POST', '/transaction/initialize', 'email=form%40example.com&amount=700', secretKey, 'application/x-www-form-urlencoded');
    expect(created).toMatchObject({ status: 200, body: { status: true, message: 'Authorization URL created', data: { reference: expect.any(String) } } });
    const reference = (created.body.data as { reference: string }).reference;
    expect(peer.transaction(reference)).toMatchObject({ currency: 'NGN', amount: 700 });
    expect(await call('POST', '/refund', { transaction: reference })).toMatchObject({ status: 400, body: { code: 'transaction_not_refundable' } });
    expect(await call('POST', '/refund', { transaction: 'missing' })).toMatchObject({ status: 400, body: { code: 'transaction_not_found' } });
    await peer.pay(reference);
    expect(await call('POST', '/refund', { transaction: String(peer.transaction(reference)!.id), currency: 'USD' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_currency' },
    });
    expect(await call('POST', '/refund', { transaction: reference })).toMatchObject({
      status: 200,
      body: { status: true, message: 'Refund has been queued for processing', data: { amount: 700, status: 'pending', currency: 'NGN' } },
    });
    expect(await call('GET', '/transaction/verify/' + reference)).toMatchObject({ status: 200, body: { data: { status: 'success', reference, amount: 700 } } });
    expect(await call('GET', '/elsewhere')).toMatchObject({ status: 404 });
    expect(peer.calls.some((c) => c.path === '/elsewhere')).toBe(true);
  });

  it('pays on its checkout page and delivers charge.success signed with the secret key', async () => {
    const received: { body: string; signature: string | undefined }[] = [];
    const sink = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString(), signature: req.headers['x-paystack-signature'] as string | undefined });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const seen: unknown[] = [];
    const local = await startPaystackPeer({
      secretKey,
      webhookUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`,
      onWebhook: (_r, s) => seen.push(s),
    });
    try {
      await paystackGateway({ base: local.url, secretKey, timeoutMs: 2_000 }).charge(charge(20));
      const tx = local.transaction(orderIdOf(20))!;
      const page = await fetch(tx.authorizationUrl);
      expect(await page.text()).toContain('status <b>abandoned</b>');
      expect((await fetch(`${local.url}/checkout/ffff`)).status).toBe(404);
      const paid = await fetch(tx.authorizationUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'outcome=success',
      });
      expect(await paid.text()).toContain('status <b>success</b>');
      expect(received).toHaveLength(1);
      expect(received[0]!.signature).toBe(createHmac('sha512', secretKey).update(received[0]!.body).digest('hex'));
      expect(JSON.parse(received[0]!.body)).toMatchObject({
        event: 'charge.success',
        data: { reference: orderIdOf(20), status: 'success', amount: 250000, metadata: { orderId: orderIdOf(20) } },
      });
      expect(seen).toEqual([200]);
      // Paying twice sends nothing more.
      expect(await local.pay(orderIdOf(20))).toEqual({});
      expect(local.chargeSuccess(orderIdOf(20)).signature).toBe(local.sign(local.chargeSuccess(orderIdOf(20)).body));
      expect(() => local.chargeSuccess('nope')).toThrow(/no transaction/);
      await expect(local.pay('nope')).rejects.toThrow(/no transaction/);
      local.setWebhookUrl('http://127.0.0.1:1/closed');
      await paystackGateway({ base: local.url, secretKey, timeoutMs: 2_000 }).charge(charge(21));
      expect(await local.pay(orderIdOf(21))).toMatchObject({ webhook: { body: expect.any(String) } });
      expect(seen[1]).toBeInstanceOf(Error);
    } finally {
      await local.stop();
      await new Promise((resolve) => sink.close(resolve));
    }
  });

  it("npm start's Paystack: only when PAYSTACK_API_BASE is unset and not in production; lists transactions at /dev/paystack", async () => {
    const log = { info: () => undefined };
    expect(await startDevPaystack(log, { PAYSTACK_API_BASE: 'https://api.paystack.co' })).toBeUndefined();
    expect(await startDevPaystack(log, { NODE_ENV: 'production' })).toBeUndefined();
    const env: NodeJS.ProcessEnv = {};
    const dev = (await startDevPaystack(log, env))!;
    try {
      expect(dev.applied).toEqual(['PAYSTACK_API_BASE']);
      expect(env.PAYSTACK_API_BASE).toBe(dev.peer.url);
      // The key is read from the environment when a request arrives (the dev key file sets it later).
      await expect(paystackGateway({ base: dev.peer.url, secretKey, timeoutMs: 1_000 }).charge(charge(30))).rejects.toThrow(/secret key/);
      env.PAYSTACK_SECRET_KEY = secretKey;
      await paystackGateway({ base: dev.peer.url, secretKey, timeoutMs: 1_000 }).charge(charge(30));
      const listed = dev.routes[DEV_PAYSTACK_PATH]!() as { apiBase: string; transactions: { reference: string }[]; refunds: unknown[] };
      expect(listed).toMatchObject({ apiBase: dev.peer.url, transactions: [{ reference: orderIdOf(30) }], refunds: [] });
    } finally {
      await dev.stop();
    }
  });
});
