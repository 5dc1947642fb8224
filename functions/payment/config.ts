import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '../../layers/config';
import { ConfigError } from '../../layers/errors';

/**
 * The payment service's configuration, on top of the base one, parsed once per module instance.
 * The provider secrets are optional here, so a function that never calls a provider (payment-get)
 * starts without them; the first call that needs one asks for it and fails loudly when it is
 * missing. Problems name the variable, never its value.
 */
export const paymentConfigSchema = baseConfigSchema.extend({
  /** Stripe's API origin; stripe-mock (http://127.0.0.1:12111) locally. */
  STRIPE_API_BASE: z.string().url().default('https://api.stripe.com'),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/, 'must be a Stripe secret key (sk_test_…, sk_live_…)')
    .optional(),
  /** The signing secret of the webhook endpoint (whsec_…). */
  STRIPE_WEBHOOK_SECRET: z.string().min(16, 'must be a webhook signing secret (whsec_…)').optional(),
  /** How old a Stripe-Signature timestamp may be, in seconds (Stripe's default tolerance is 300). */
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** Paystack's API origin; the local peer (openfaas/gateway/dev-paystack.ts) in tests and `npm start`. */
  PAYSTACK_API_BASE: z.string().url().default('https://api.paystack.co'),
  /** Bearer key of Paystack's API and the HMAC-SHA512 key of its webhooks. */
  PAYSTACK_SECRET_KEY: z.string().min(16, 'must be a Paystack secret key').optional(),
  /** Where Paystack's checkout page sends the buyer back after paying. */
  PAYSTACK_CALLBACK_URL: z.string().url().optional(),
  /** Per outbound provider call; past it the circuit breaker counts a failure and the step retries. */
  PAYMENT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
});

export type PaymentConfig = z.infer<typeof paymentConfigSchema>;

export const paymentConfig = (): PaymentConfig => loadConfig(paymentConfigSchema);

type SecretName = 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'PAYSTACK_SECRET_KEY';

/** A provider secret; throws `ConfigError` (a 500, never logged with its value) when it is not configured. */
export const requireSecret = (name: SecretName, config: PaymentConfig = paymentConfig()): string => {
  const value = config[name];
  if (!value) throw new ConfigError([`${name}: required by this payment operation`]);
  return value;
};

/** host, port and protocol of an API base URL, as the Stripe client takes them. */
export const stripeEndpoint = (base: string): { host: string; port: number; protocol: 'http' | 'https' } => {
  const url = new URL(base);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
};
