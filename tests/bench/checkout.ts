import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import type { TokenSigner } from '../../layers/auth/tokens';
import { signedIntentEvent } from '../support/stripe-events';
import { watchKafka } from './kafka-watch';
import { forkServer, request, stop } from './processes';
import { compare, median, percentile, type BenchResult } from './stats';

/**
 * The checkout saga, timed from orders-create's request to orders.order.confirmed on Kafka, as
 * a client would see it: created → inventory reserves → payment opens the PaymentIntent (bench
 * plays Stripe: its signed webhook as soon as the payment is open) → orders confirms. Four Kafka
 * hops, compared with four plain kafkajs round trips measured in the same run. Then sustained
 * checkouts per second from concurrent buyers, with every error counted.
 */
const CHECKOUT_HOPS = 4;
const STOCK = 1_000_000;
const PRICE = 1500;

export interface CheckoutBenchOptions {
  samples: number;
  seconds: number;
  concurrency: number;
  log: (message: string) => void;
}

/** Mean milliseconds per invocation of each function the saga ran, from the system's duration histogram. */
const functionTimes = async (metricsUrl: string): Promise<string> => {
  const text = (await request(metricsUrl, { method: 'GET', headers: {} })).body;
  const series = (suffix: string) =>
    new Map(
      [...text.matchAll(new RegExp(`^marketplace_function_duration_seconds_${suffix}\\{function="([^"]+)",method="POST"\\} (\\S+)$`, 'gm'))].map((m) => [
        m[1]!,
        Number(m[2]),
      ]),
    );
  const sums = series('sum');
  const counts = series('count');
  return [...sums.entries()]
    .filter(([fn]) => (counts.get(fn) ?? 0) > 0)
    .map(([fn, sum]) => `${fn} ${((sum / counts.get(fn)!) * 1000).toFixed(1)}`)
    .join(', ');
};

export const checkoutBench = async (
  env: Record<string, string>,
  kafkaBrokers: string,
  signer: TokenSigner,
  tenantId: string,
  options: CheckoutBenchOptions,
): Promise<BenchResult[]> => {
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const system = await forkServer('servers/system.ts', {
    ...env,
    WITH_CONNECTOR: '1',
    CONNECTOR_SECRET: randomBytes(24).toString('hex'),
    STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString('hex')}`,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
  });
  const watch = await watchKafka(new Kafka({ clientId: 'bench-checkout', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }), [
    'inventory.reservation.reserved',
    'orders.order.confirmed',
    'orders.order.cancelled',
  ]);
  const base = `http://127.0.0.1:${system.port}/function`;
  const call = async (fn: string, token: string, init: { method?: string; path?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const reply = await request(`${base}/${fn}${init.path ?? ''}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: reply.status, body: reply.body ? (JSON.parse(reply.body) as Record<string, unknown>) : {} };
  };
  try {
    const owner = await signer.sign({ sub: 'bench-owner', tid: tenantId, roles: ['owner'] });
    const product = await call('products-create', owner, {
      method: 'POST',
      headers: { 'idempotency-key': uuidv7() },
      body: { storeId: 'bench', name: 'Checkout Mug', status: 'active', price: { amount: PRICE, currency: 'EUR' }, variants: [{ sku: 'MUG', name: 'Mug' }] },
    });
    if (product.status !== 201) throw new Error(`products-create answered ${product.status}`);
    const productId = product.body.id as string;
    const stocked = await call('inventory-set', owner, { method: 'PUT', path: `/${productId}/MUG`, body: { onHand: STOCK } });
    if (stocked.status >= 300) throw new Error(`inventory-set answered ${stocked.status}`);
    for (let tries = 0; (await call('products-get', owner, { path: `/${productId}` })).status !== 200; tries += 1) {
      if (tries > 200) throw new Error('the product view never appeared');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    /**
     * One checkout; resolves with its milliseconds from request to confirmed, split into stages:
     * created → reserved (on Kafka), reserved → payment open (the PaymentIntent at stripe-mock),
     * open → webhook answered, webhook → confirmed (on Kafka). Stripe is played only once the
     * reservation is on Kafka, and the payment is then looked at every 10 ms: polling it from the
     * start, as often, would load the store more than the checkouts do.
     */
    const checkout = async (): Promise<{ total: number; stages: number[] }> => {
      const buyer = await signer.sign({ sub: `bench-buyer-${uuidv7()}`, tid: tenantId, roles: ['customer'] });
      const t0 = process.hrtime.bigint();
      const created = await call('orders-create', buyer, {
        method: 'POST',
        headers: { 'idempotency-key': uuidv7() },
        body: { items: [{ productId, sku: 'MUG', quantity: 1 }], email: 'bench@example.com', payment: { provider: 'stripe', method: 'pm_card_visa' } },
      });
      if (created.status !== 201) throw new Error(`orders-create ${created.status}`);
      const orderId = created.body.id as string;
      const confirmed = watch.arrival('orders.order.confirmed', orderId);
      const cancelled = watch.arrival('orders.order.cancelled', orderId).then(() => {
        throw new Error('cancelled');
      });
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('never confirmed')), 30_000).unref());
      const reserved = await Promise.race([watch.arrival('inventory.reservation.reserved', orderId), cancelled, timeout]);
      const deadline = Date.now() + 30_000;
      let opened: bigint;
      for (;;) {
        if (Date.now() > deadline) throw new Error('payment never opened');
        const payment = await call('payment-get', owner, { path: `/${orderId}` });
        const reference = payment.status === 200 ? (payment.body.providerReference as string | null) : null;
        if (reference) {
          opened = process.hrtime.bigint();
          const { payload, headers } = signedIntentEvent(
            { type: 'payment_intent.succeeded', intentId: reference, tenantId, orderId, amount: created.body.total as number, currency: 'EUR' },
            webhookSecret,
          );
          const answered = await request(`${base}/payment-webhook-stripe`, { method: 'POST', headers, body: payload });
          if (answered.status !== 200) throw new Error(`webhook ${answered.status}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const webhooked = process.hrtime.bigint();
      const done = await Promise.race([confirmed, cancelled, timeout]);
      const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;
      return { total: ms(t0, done), stages: [ms(t0, reserved), ms(reserved, opened), ms(opened, webhooked), ms(webhooked, done)] };
    };

    options.log(`checkout: ${options.samples} sequential checkouts, each beside a raw kafkajs round trip`);
    const raw: number[] = [];
    const latencies: number[] = [];
    const stages: number[][] = [[], [], [], []];
    for (let i = 0; i < options.samples + 3; i += 1) {
      const rawMs = await watch.rawRoundTrip();
      const sample = await checkout();
      if (i >= 3) {
        raw.push(rawMs);
        latencies.push(sample.total);
        sample.stages.forEach((value, stage) => stages[stage]!.push(value));
      }
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const hopsBaseline = CHECKOUT_HOPS * median(raw);
    options.log(`checkout: p50 ${median(latencies).toFixed(1)} ms, raw round trip p50 ${median(raw).toFixed(1)} ms`);
    const [toReserved, toOpen, webhook, toConfirmed] = stages.map((values) => median(values).toFixed(1));
    options.log(
      `checkout: stage p50s: created → reserved ${toReserved} ms, reserved → payment open ${toOpen} ms, webhook ${webhook} ms, webhook → confirmed ${toConfirmed} ms`,
    );
    options.log(`checkout: mean time inside each function (the system's /metrics): ${await functionTimes(`http://127.0.0.1:${system.port}/metrics`)}`);

    options.log(`checkout: ${options.concurrency} concurrent buyers for ${options.seconds}s`);
    const errors = new Map<string, number>();
    let completed = 0;
    const until = Date.now() + options.seconds * 1000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (Date.now() < until) {
          try {
            await checkout();
            completed += 1;
          } catch (error) {
            const what = (error as Error).message;
            errors.set(what, (errors.get(what) ?? 0) + 1);
          }
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const failed = [...errors.values()].reduce((sum, n) => sum + n, 0);
    options.log(`checkout: ${completed} confirmed, ${failed} failed ${JSON.stringify(Object.fromEntries(errors))}`);
    const sequentialRate = 1000 / median(latencies);
    return [
      compare(`checkout created → confirmed p50 vs ${CHECKOUT_HOPS} Kafka hops × raw kafkajs round trip`, median(latencies), hopsBaseline, { max: 1.5 }, 'ms'),
      compare(
        `checkout created → confirmed p99 vs ${CHECKOUT_HOPS} Kafka hops × raw kafkajs round trip`,
        percentile(sorted, 99),
        hopsBaseline,
        { max: 1.5 },
        'ms',
      ),
      compare(
        `sustained checkouts/s with ${options.concurrency} concurrent buyers vs one buyer at a time`,
        completed / elapsed,
        sequentialRate,
        { min: 1 },
        'checkouts/s',
      ),
      compare('checkout errors under sustained load, of all attempts', failed, completed + failed, { max: 0 }, 'errors'),
    ];
  } finally {
    await stop(system.child);
    await watch.close();
  }
};
