import Stripe from 'stripe';
import { v7 as uuidv7 } from 'uuid';
import { circuitBreaker } from '../../layers/circuit-breaker';
import { nudgeOutbox } from '../../layers/events/outbox';
import { paymentConfig, requireSecret, stripeEndpoint, type PaymentConfig } from './config';
import { paymentSucceeded } from './events';
import type { PaymentGateway } from './gateways';
import { paystackGateway } from './paystack';
import { paymentStore } from './repository';
import type { Provider } from './rules';
import type { PaymentDeps } from './steps';
import { stripeGateway } from './stripe';

/**
 * The real dependencies: the payments store (outbox nudged after each write with events), and
 * one adapter per provider, made on first use (so functions that never call a provider start
 * without its secret) and kept for the module instance's life. Every outbound call goes through
 * the provider's circuit breaker (layers/circuit-breaker): a provider that keeps failing fails
 * fast with 503 `circuit_open` and the step is retried later.
 */
/** Parsed at cold start: a malformed provider setting fails the function's load, naming the variable. */
const coldStartConfig = paymentConfig();

let stripeClient: Stripe | undefined;

/** The Stripe client for this module instance (also used for webhook verification). */
const stripeClientOf = (config: PaymentConfig): Stripe =>
  (stripeClient ??= new Stripe(requireSecret('STRIPE_SECRET_KEY', config), {
    ...stripeEndpoint(config.STRIPE_API_BASE),
    timeout: config.PAYMENT_PROVIDER_TIMEOUT_MS,
    // Safe to retry: every call carries an idempotency key.
    maxNetworkRetries: 1,
    telemetry: false,
  }));

/** Wraps each call of an adapter in the provider's breaker. */
const guarded = (gateway: PaymentGateway, timeoutMs: number): PaymentGateway => {
  const options = { timeout: timeoutMs + 1_000 };
  return {
    provider: gateway.provider,
    charge: circuitBreaker(gateway.provider, (request) => gateway.charge(request), options),
    refund: circuitBreaker(gateway.provider, (call) => gateway.refund(call), options),
    cancel: circuitBreaker(gateway.provider, (input) => gateway.cancel(input), options),
  };
};

const gateways = new Map<Provider, PaymentGateway>();

export const providerGateway = (provider: Provider): PaymentGateway => {
  const existing = gateways.get(provider);
  if (existing) return existing;
  const config = coldStartConfig;
  const made =
    provider === 'stripe'
      ? stripeGateway(stripeClientOf(config))
      : paystackGateway({
          base: config.PAYSTACK_API_BASE,
          secretKey: requireSecret('PAYSTACK_SECRET_KEY', config),
          timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS,
          ...(config.PAYSTACK_CALLBACK_URL ? { callbackUrl: config.PAYSTACK_CALLBACK_URL } : {}),
        });
  const gateway = guarded(made, config.PAYMENT_PROVIDER_TIMEOUT_MS);
  gateways.set(provider, gateway);
  return gateway;
};

export const paymentDeps = async (): Promise<PaymentDeps> => ({
  store: await paymentStore((id) => nudgeOutbox({ ...paymentSucceeded.aggregate, id })),
  gateway: providerGateway,
  now: () => new Date(),
  newId: uuidv7,
});
