import type { OutboxEntry } from '../../../layers/events/outbox';
import type { ChargeRequest, PaymentGateway, RefundCall } from '../../../functions/payment/gateways';
import type { PaymentStore } from '../../../functions/payment/repository';
import type { Outcome, PaymentRecord, Provider, RefundResult } from '../../../functions/payment/rules';
import type { PaymentDeps } from '../../../functions/payment/steps';

/**
 * An in-memory PaymentStore with the Mongo store's contract: per order, read → decide → write
 * runs one at a time (the document lock), and each write appends its events to the outbox.
 */
export const memoryPaymentStore = () => {
  const rows = new Map<string, PaymentRecord>();
  const outbox: OutboxEntry[] = [];
  const queues = new Map<string, Promise<unknown>>();
  const key = (tenantId: string, orderId: string) => `${tenantId}/${orderId}`;
  const serial = <T>(k: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(k) ?? Promise.resolve();
    const next = previous.then(work, work);
    queues.set(
      k,
      next.catch(() => undefined),
    );
    return next;
  };
  const store: PaymentStore = {
    async get(tenantId, orderId) {
      const row = rows.get(key(tenantId, orderId));
      return row && structuredClone(row);
    },
    change(tenantId, orderId, transition) {
      return serial(key(tenantId, orderId), async () => {
        const current = rows.get(key(tenantId, orderId));
        const { next, events, result } = transition(current && structuredClone(current));
        if (next) {
          rows.set(key(tenantId, orderId), structuredClone(next));
          outbox.push(...events);
        }
        return result;
      });
    },
  };
  const eventsOf = (orderId: string, type?: string) => outbox.filter((e) => e.subject === orderId && (!type || e.type === type));
  return { store, rows, outbox, eventsOf };
};

export interface FakeGateway extends PaymentGateway {
  charges: ChargeRequest[];
  refunds: RefundCall[];
  cancels: { orderId: string; reference: string }[];
}

/** A scripted provider: answers come from the given functions; every call is recorded. */
export const fakeGateway = (
  provider: Provider,
  script: {
    charge?: (request: ChargeRequest) => Promise<Outcome> | Outcome;
    refund?: (call: RefundCall) => Promise<RefundResult> | RefundResult;
    cancel?: () => Promise<boolean> | boolean;
  } = {},
): FakeGateway => {
  const charges: ChargeRequest[] = [];
  const refunds: RefundCall[] = [];
  const cancels: { orderId: string; reference: string }[] = [];
  return {
    provider,
    charges,
    refunds,
    cancels,
    async charge(request) {
      charges.push(request);
      return script.charge
        ? script.charge(request)
        : { kind: 'pending', reference: `pi_${request.orderId.slice(-6)}`, nextAction: null, amount: request.amount, currency: request.currency };
    },
    async refund(call) {
      refunds.push(call);
      return script.refund ? script.refund(call) : { kind: 'succeeded', providerRefundId: `re_${refunds.length}` };
    },
    async cancel(input) {
      cancels.push(input);
      return script.cancel ? script.cancel() : true;
    },
  };
};

export const fixedNow = () => new Date('2026-03-01T12:00:00.000Z');

let sequence = 0;
export const testDeps = (store: PaymentStore, gateways: Partial<Record<Provider, PaymentGateway>>): PaymentDeps => ({
  store,
  gateway: (provider) => {
    const gateway = gateways[provider];
    if (!gateway) throw new Error(`no ${provider} gateway in this test`);
    return gateway;
  },
  now: fixedNow,
  newId: () => `refund-${(sequence += 1)}`,
});

/** A UUIDv7 order id, as orders mints them. */
export const orderIdOf = (n: number) => `01950000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

export const dataOf = (entry: OutboxEntry) => JSON.parse(entry.data) as Record<string, unknown>;
