import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paymentConfigSchema, requireSecret, stripeEndpoint } from '../../../functions/payment/config';
import { parseConfig } from '../../../layers/config';
import { ConfigError } from '../../../layers/errors';
import { loadOrCreateDevPaymentSecrets, provideDevPaymentKeys } from '../../../openfaas/gateway/dev-keys';

const dir = mkdtempSync(path.join(os.tmpdir(), 'payment-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('payment configuration', () => {
  it('defaults to the real providers and needs no secret to start', () => {
    const config = parseConfig(paymentConfigSchema, {});
    expect(config).toMatchObject({
      STRIPE_API_BASE: 'https://api.stripe.com',
      PAYSTACK_API_BASE: 'https://api.paystack.co',
      STRIPE_WEBHOOK_TOLERANCE_SECONDS: 300,
    });
    expect(() => requireSecret('STRIPE_SECRET_KEY', config)).toThrow(ConfigError);
    expect(() => requireSecret('PAYSTACK_SECRET_KEY', config)).toThrow(/PAYSTACK_SECRET_KEY: required/);
  });

  it('refuses a malformed key by name, never echoing its value', () => {
    let thrown: unknown;
    try {
      parseConfig(paymentConfigSchema, { STRIPE_SECRET_KEY: 'pk_live_leaky-value', STRIPE_WEBHOOK_SECRET: 'short' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(String((thrown as Error).message)).toMatch(/STRIPE_SECRET_KEY/);
    expect(String((thrown as Error).message)).toMatch(/STRIPE_WEBHOOK_SECRET/);
    expect(String((thrown as Error).message)).not.toContain('leaky-value');
    const ok = parseConfig(paymentConfigSchema, { STRIPE_SECRET_KEY: 'sk_test_abcdef123456' });
    expect(requireSecret('STRIPE_SECRET_KEY', ok)).toBe('sk_test_abcdef123456');
  });

  it("points the Stripe client at an API base's host, port and protocol", () => {
    expect(stripeEndpoint('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeEndpoint('https://api.stripe.com')).toEqual({ host: 'api.stripe.com', port: 443, protocol: 'https' });
    expect(stripeEndpoint('http://stripe.local')).toEqual({ host: 'stripe.local', port: 80, protocol: 'http' });
  });
});

describe('dev payment keys (npm start)', () => {
  it('generates them once into the dev key file and sets only what the environment lacks', async () => {
    const file = path.join(dir, 'dev-keys.json');
    const env: NodeJS.ProcessEnv = { STRIPE_SECRET_KEY: 'sk_test_operator_given' };
    const undo = await provideDevPaymentKeys(file, env);
    const secrets = await loadOrCreateDevPaymentSecrets(file);
    expect(env).toEqual({
      STRIPE_SECRET_KEY: 'sk_test_operator_given',
      STRIPE_WEBHOOK_SECRET: secrets.stripeWebhookSecret,
      PAYSTACK_SECRET_KEY: secrets.paystackSecretKey,
    });
    expect(secrets.stripeSecretKey).toMatch(/^sk_test_[0-9a-f]{32}$/);
    expect(parseConfig(paymentConfigSchema, { STRIPE_SECRET_KEY: secrets.stripeSecretKey, STRIPE_WEBHOOK_SECRET: secrets.stripeWebhookSecret })).toBeTruthy();
    expect(JSON.parse(readFileSync(file, 'utf8')).payment).toEqual(secrets);
    expect(await loadOrCreateDevPaymentSecrets(file)).toEqual(secrets);
    undo();
    expect(env).toEqual({ STRIPE_SECRET_KEY: 'sk_test_operator_given' });
    const full = { STRIPE_SECRET_KEY: 'a', STRIPE_WEBHOOK_SECRET: 'b', PAYSTACK_SECRET_KEY: 'c' };
    (await provideDevPaymentKeys(path.join(dir, 'unused.json'), full))();
    expect(full).toEqual({ STRIPE_SECRET_KEY: 'a', STRIPE_WEBHOOK_SECRET: 'b', PAYSTACK_SECRET_KEY: 'c' });
  });
});
