import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTracing } from '../../layers/tracing';
import { eventually, startSystem, type System } from './support/system';
import { openShop, settle } from './support/commerce';

// Registered before the system loads its bundles: every function in this process reports here.
const exporter = new InMemorySpanExporter();
initTracing({ serviceName: 'e2e', exporter });

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => system?.stop());

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const functionOf = (span: ReadableSpan): string | undefined => (span.attributes['faas.name'] ?? span.attributes['faas.invoked_name']) as string | undefined;

/** The server span of `fn` in the trace, and the chain of function names from it up to the root. */
const lineage = (spans: ReadableSpan[], fn: string) => {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const served = spans.find((span) => span.attributes['faas.name'] === fn);
  if (!served) return undefined;
  const chain: string[] = [];
  for (let span: ReadableSpan | undefined = served; span; span = byId.get(parentOf(span) ?? '')) {
    const name = span.attributes['faas.name'] as string | undefined;
    if (name && chain[chain.length - 1] !== name) chain.push(name);
  }
  return chain.reverse();
};

describe('one trace follows a checkout', () => {
  it('from orders-create through every Kafka hop into every consumer it triggers', async () => {
    const shop = await openShop(system, { stock: 5 });
    const buyer = await shop.buyer();
    exporter.reset();
    const created = await shop.placeOrder(buyer, 1);
    expect(created.status).toBe(201);
    await settle(system, shop, created.body);
    await shop.waitForState(buyer.token, created.body.id, ['confirmed']);
    await system.mailbox!.smtp.waitFor((mail) => mail.to.includes(buyer.email), 20_000);

    const root = exporter.getFinishedSpans().find((span) => span.attributes['faas.name'] === 'orders-create');
    expect(root, 'the orders-create server span').toBeDefined();
    expect(parentOf(root!)).toBeUndefined();
    const traceId = root!.spanContext().traceId;

    // Every consumer the saga triggers, each under its Kafka delivery span, all in the one trace.
    const expected: Record<string, string[]> = {
      'inventory-on-order-created': ['orders-create', 'inventory-on-order-created'],
      'cart-on-order-created': ['orders-create', 'cart-on-order-created'],
      'orders-on-inventory-reserved': ['orders-create', 'inventory-on-order-created', 'orders-on-inventory-reserved'],
      'payment-on-inventory-reserved': ['orders-create', 'inventory-on-order-created', 'payment-on-inventory-reserved'],
      // Stripe's webhook decided the payment: its event continues the trace of the payment step.
      'orders-on-payment-succeeded': ['orders-create', 'inventory-on-order-created', 'payment-on-inventory-reserved', 'orders-on-payment-succeeded'],
      'inventory-on-order-confirmed': [
        'orders-create',
        'inventory-on-order-created',
        'payment-on-inventory-reserved',
        'orders-on-payment-succeeded',
        'inventory-on-order-confirmed',
      ],
      'notification-on-order-confirmed': [
        'orders-create',
        'inventory-on-order-created',
        'payment-on-inventory-reserved',
        'orders-on-payment-succeeded',
        'notification-on-order-confirmed',
      ],
    };
    const spans = await eventually(async () => {
      const inTrace = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
      return Object.keys(expected).every((fn) => lineage(inTrace, fn)) ? inTrace : undefined;
    }, 'every consumer span in the checkout trace');
    for (const [fn, chain] of Object.entries(expected)) expect(lineage(spans, fn), fn).toEqual(chain);

    // One tree: every span of the trace but the root hangs under another span of it (spans still
    // open when first looked at finish a moment later, so the check waits for them).
    const orphans = () => {
      const inTrace = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
      const ids = new Set(inTrace.map((span) => span.spanContext().spanId));
      return inTrace.filter((span) => span !== root && !ids.has(parentOf(span) ?? '')).map((span) => `${span.name} (${functionOf(span)})`);
    };
    await eventually(async () => (orphans().length === 0 ? true : undefined), 'every span of the trace under its root').catch(() => undefined);
    expect(orphans()).toEqual([]);

    // Each function's server span hangs under the connector's delivery of the topic that triggered it.
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const delivered = spans.find((span) => span.attributes['faas.name'] === 'inventory-on-order-created')!;
    const delivery = byId.get(parentOf(delivered)!);
    expect(delivery?.name).toBe('orders.order.created process');
    expect(functionOf(delivery!)).toBe('inventory-on-order-created');
    expect(delivery?.attributes['messaging.system']).toBe('kafka');
    // The audit trail saw the same events under the same trace.
    expect(spans.filter((span) => span.attributes['faas.name'] === 'audit-on-event').length).toBeGreaterThanOrEqual(4);
  });
});
