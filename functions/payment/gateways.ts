import type { Outcome, Provider, RefundReason, RefundResult } from './rules';

/**
 * The port every payment provider adapter implements (stripe.ts, paystack.ts). A method
 * resolves with the provider's definitive answer (a decline is an answer: `failed`) and throws
 * only when the answer is unknown (network, timeout, the provider's 5xx, an open circuit), so
 * the caller retries with the same idempotency key or reference and can never charge twice.
 */
export interface ChargeRequest {
  tenantId: string;
  orderId: string;
  buyerId: string;
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** The provider's payment method token (Stripe `pm_…`); absent → the buyer completes the payment client-side. */
  method?: string;
  email: string;
}

export interface RefundCall {
  tenantId: string;
  orderId: string;
  /** The provider's reference of the captured payment (PaymentIntent id, Paystack reference). */
  reference: string;
  amount: number;
  currency: string;
  refundId: string;
  idempotencyKey: string;
  reason: RefundReason;
}

export interface PaymentGateway {
  readonly provider: Provider;
  charge(request: ChargeRequest): Promise<Outcome>;
  refund(call: RefundCall): Promise<RefundResult>;
  /** Cancels an undecided payment at the provider; false when the provider refused (it may have been decided meanwhile). */
  cancel(input: { orderId: string; reference: string }): Promise<boolean>;
}

export type Gateways = Record<Provider, PaymentGateway>;
