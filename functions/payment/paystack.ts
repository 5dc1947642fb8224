import { ServiceUnavailableError, UnprocessableError } from '../../layers/errors';
import type { ChargeRequest, PaymentGateway, RefundCall } from './gateways';
import type { Outcome, RefundResult } from './rules';

/**
 * Paystack through its HTTP API (fetch). A charge is a transaction initialised with
 * `reference` = order id and the buyer sent to Paystack's hosted page (`authorization_url`);
 * the payment stays pending until the signed `charge.success` webhook. Paystack sends no
 * webhook for a failed attempt (the buyer may try again on the page): an order never paid is
 * cancelled when its stock reservation expires, which cancels the payment. A retried step gets
 * "Duplicate Transaction Reference" and verifies the transaction instead: the reference is the
 * idempotency key, so an order can never be charged twice. Paystack's refunds take no
 * idempotency key; a refund is sent once per reserved refund (see rules.ts), and Paystack
 * itself refuses more than the transaction's amount.
 */
export interface PaystackOptions {
  /** API origin, e.g. https://api.paystack.co or the local peer's URL. */
  base: string;
  secretKey: string;
  timeoutMs: number;
  callbackUrl?: string;
  fetch?: typeof fetch;
}

/** Paystack answered 4xx: its definitive refusal of this request (a client error: the circuit stays closed). */
export class PaystackRefusedError extends UnprocessableError {
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly paystackCode?: string,
  ) {
    super(`Paystack refused the request: ${message}`, 'paystack_refused', { paystackCode });
  }
}

interface Envelope<T> {
  status: boolean;
  message: string;
  data?: T;
  code?: string;
}

interface TransactionData {
  id: number;
  status: string;
  reference: string;
  amount: number;
  currency: string;
  gateway_response?: string | null;
}

const DUPLICATE_REFERENCE = /duplicate transaction reference/i;

/** The outcome a verified transaction's status gives. */
export const transactionOutcome = (data: TransactionData): Outcome => {
  const base = { amount: data.amount, currency: data.currency.toUpperCase() };
  if (data.status === 'success') return { kind: 'succeeded', reference: data.reference, ...base };
  if (data.status === 'failed' || data.status === 'reversed') {
    return { kind: 'failed', reference: data.reference, reason: (data.gateway_response || data.status).slice(0, 500), ...base };
  }
  // abandoned, ongoing, pending, processing, queued: the buyer has not finished.
  return { kind: 'pending', reference: data.reference, nextAction: null, ...base };
};

export const paystackGateway = (options: PaystackOptions): PaymentGateway => {
  const send = options.fetch ?? fetch;
  const root = options.base.endsWith('/') ? options.base : `${options.base}/`;

  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await send(new URL(path, root), {
        method,
        headers: { authorization: `Bearer ${options.secretKey}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch {
      throw new ServiceUnavailableError('Paystack did not answer; retry later.', 'paystack_unavailable');
    }
    const text = await response.text();
    let envelope: Envelope<T> | undefined;
    try {
      envelope = JSON.parse(text) as Envelope<T>;
    } catch {
      envelope = undefined;
    }
    if (response.status >= 500 || response.status === 429)
      throw new ServiceUnavailableError(`Paystack answered ${response.status}; retry later.`, 'paystack_unavailable');
    // A refused key is our misconfiguration, not the buyer's: a server error that the step retries.
    if (response.status === 401 || response.status === 403) throw new Error(`Paystack refused the secret key (${response.status})`);
    if (!response.ok || !envelope?.status || envelope.data === undefined) {
      throw new PaystackRefusedError(response.status, envelope?.message ?? `HTTP ${response.status}`, envelope?.code);
    }
    return envelope.data;
  };

  const verify = async (reference: string): Promise<Outcome> =>
    transactionOutcome(await call<TransactionData>('GET', `transaction/verify/${encodeURIComponent(reference)}`));

  return {
    provider: 'paystack',
    async charge(request: ChargeRequest) {
      try {
        const data = await call<{ authorization_url: string; access_code: string; reference: string }>('POST', 'transaction/initialize', {
          email: request.email,
          amount: request.amount,
          currency: request.currency,
          reference: request.orderId,
          metadata: { tenantId: request.tenantId, orderId: request.orderId, buyerId: request.buyerId },
          ...(options.callbackUrl ? { callback_url: options.callbackUrl } : {}),
        });
        return {
          kind: 'pending',
          reference: data.reference,
          nextAction: { type: 'redirect', url: data.authorization_url },
          amount: request.amount,
          currency: request.currency,
        };
      } catch (error) {
        if (!(error instanceof PaystackRefusedError)) throw error;
        // A retried step: the transaction exists, so ask how it went.
        if (error.paystackCode === 'duplicate_reference' || DUPLICATE_REFERENCE.test(error.message)) return verify(request.orderId);
        return { kind: 'failed', reference: null, reason: error.message.slice(0, 500), amount: request.amount, currency: request.currency };
      }
    },
    async refund(refund: RefundCall): Promise<RefundResult> {
      try {
        const data = await call<{ id: number; status: string }>('POST', 'refund', {
          transaction: refund.reference,
          amount: refund.amount,
          currency: refund.currency,
          merchant_note: `${refund.reason} ${refund.refundId}`,
        });
        if (data.status === 'failed') return { kind: 'failed', reason: 'failed' };
        return { kind: 'succeeded', providerRefundId: String(data.id) };
      } catch (error) {
        if (error instanceof PaystackRefusedError) return { kind: 'failed', reason: error.message.slice(0, 500) };
        throw error;
      }
    },
    // An initialised Paystack transaction has no cancel: left unpaid, it is abandoned.
    cancel: async () => true,
  };
};
