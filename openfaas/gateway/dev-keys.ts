import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKey, toJwks, type SigningKey } from '../../layers/auth/tokens';
import { REPO_ROOT } from '../paths';

/**
 * The local signing key: created once, kept in `.local/dev-keys.json` (git-ignored, mode 600),
 * used by `npm run token` to sign and by the gateway to publish its public half as `JWKS` to
 * the functions and to hand its private half to the identity service (`AUTH_SIGNING_KEYS`), so
 * tokens from `auth-login` and from `npm run token` verify alike. The file also keeps the local
 * `SEALING_KEY` (one-time codes in events). Never used outside local runs: production verifies
 * against JWKS_URL and gets its secrets from the platform.
 */
/** In the repository's .local/, wherever the command runs from. */
export const DEFAULT_DEV_KEYS_PATH = path.join(REPO_ROOT, '.local', 'dev-keys.json');

const isSigningKey = (value: unknown): value is SigningKey => {
  const key = value as Partial<SigningKey> | undefined;
  return typeof key?.kid === 'string' && typeof key.privateJwk === 'object' && typeof key.publicJwk === 'object';
};

/** The dev key file's content: the signing key and two symmetric keys (added to older files on first read). */
export interface DevSecrets extends SigningKey {
  /** SEALING_KEY: 32 random bytes, base64url. */
  sealingKey: string;
  /** AUTH_SECRET_KEY: 32 random bytes, base64url. */
  authSecretKey: string;
}

const SYMMETRIC_KEY = /^[A-Za-z0-9_-]{43}$/;
const newSymmetricKey = (): string => randomBytes(32).toString('base64url');
const validKey = (value: unknown): value is string => typeof value === 'string' && SYMMETRIC_KEY.test(value);

const writeSecrets = async (file: string, secrets: DevSecrets): Promise<void> => {
  await mkdir(path.dirname(file), { recursive: true });
  // Written then renamed, so a concurrent reader never sees half a key.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
};

export const loadOrCreateDevSecrets = async (file: string): Promise<DevSecrets> => {
  if (existsSync(file)) {
    const stored: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!isSigningKey(stored)) throw new Error(`${file} is not a dev signing key; delete it to create a new one`);
    const { sealingKey, authSecretKey } = stored as Partial<DevSecrets>;
    if (validKey(sealingKey) && validKey(authSecretKey)) return stored as DevSecrets;
    const completed: DevSecrets = {
      ...stored,
      sealingKey: validKey(sealingKey) ? sealingKey : newSymmetricKey(),
      authSecretKey: validKey(authSecretKey) ? authSecretKey : newSymmetricKey(),
    };
    await writeSecrets(file, completed);
    return completed;
  }
  const secrets: DevSecrets = { ...(await generateSigningKey()), sealingKey: newSymmetricKey(), authSecretKey: newSymmetricKey() };
  await writeSecrets(file, secrets);
  return secrets;
};

export const loadOrCreateDevKey = async (file: string): Promise<SigningKey> => {
  const { privateJwk, publicJwk, kid } = await loadOrCreateDevSecrets(file);
  return { privateJwk, publicJwk, kid };
};

export const devJwks = (key: SigningKey): string => JSON.stringify(toJwks([key.publicJwk]));

/** The identity service's signing keys from the dev key: a JSON array of one private JWK. */
export const devSigningKeys = (key: SigningKey): string => JSON.stringify([key.privateJwk]);

/**
 * Sets, from the dev key file, what the environment does not configure: `JWKS` when neither JWKS
 * nor JWKS_URL is set, and then also `AUTH_SIGNING_KEYS` (unless set: the identity service must
 * sign with the key the functions verify with); `SEALING_KEY` and `AUTH_SECRET_KEY` when unset. Returns a function that
 * undoes what it set (for tests that start and stop gateways in one process).
 */
export const provideDevJwks = async (file: string, env: NodeJS.ProcessEnv = process.env): Promise<() => void> => {
  const provided: string[] = [];
  const provide = (name: string, value: string) => {
    env[name] = value;
    provided.push(name);
  };
  const needsJwks = !env.JWKS && !env.JWKS_URL;
  if (needsJwks || !env.SEALING_KEY || !env.AUTH_SECRET_KEY) {
    const secrets = await loadOrCreateDevSecrets(file);
    if (needsJwks) {
      provide('JWKS', devJwks(secrets));
      if (!env.AUTH_SIGNING_KEYS) provide('AUTH_SIGNING_KEYS', devSigningKeys(secrets));
    }
    if (!env.SEALING_KEY) provide('SEALING_KEY', secrets.sealingKey);
    if (!env.AUTH_SECRET_KEY) provide('AUTH_SECRET_KEY', secrets.authSecretKey);
  }
  return () => {
    for (const name of provided) delete env[name];
  };
};

/** The payment providers' local secrets, kept in the dev key file beside the others. */
export interface DevPaymentSecrets {
  /** STRIPE_SECRET_KEY: stripe-mock takes any `sk_test_…`. */
  stripeSecretKey: string;
  /** STRIPE_WEBHOOK_SECRET: signs the Stripe webhooks a developer sends to payment-webhook-stripe. */
  stripeWebhookSecret: string;
  /** PAYSTACK_SECRET_KEY: the local Paystack peer's bearer key and webhook signing key. */
  paystackSecretKey: string;
}

const PAYMENT_SECRETS: Record<keyof DevPaymentSecrets, RegExp> = {
  stripeSecretKey: /^sk_test_[0-9a-f]{32}$/,
  stripeWebhookSecret: /^whsec_[0-9a-f]{32}$/,
  paystackSecretKey: /^sk_test_[0-9a-f]{40}$/,
};

const newPaymentSecrets = (): DevPaymentSecrets => ({
  stripeSecretKey: `sk_test_${randomBytes(16).toString('hex')}`,
  stripeWebhookSecret: `whsec_${randomBytes(16).toString('hex')}`,
  paystackSecretKey: `sk_test_${randomBytes(20).toString('hex')}`,
});

/** The payment secrets of the dev key file, generated and added on first use. */
export const loadOrCreateDevPaymentSecrets = async (file: string): Promise<DevPaymentSecrets> => {
  const secrets = (await loadOrCreateDevSecrets(file)) as DevSecrets & { payment?: Partial<DevPaymentSecrets> };
  const stored = secrets.payment ?? {};
  const valid = (Object.keys(PAYMENT_SECRETS) as (keyof DevPaymentSecrets)[]).every((name) => PAYMENT_SECRETS[name].test(stored[name] ?? ''));
  if (valid) return stored as DevPaymentSecrets;
  const payment = newPaymentSecrets();
  await writeSecrets(file, { ...secrets, payment } as DevSecrets);
  return payment;
};

/**
 * `npm start`: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and PAYSTACK_SECRET_KEY from the dev key
 * file, each unless the environment sets it. Returns a function that undoes what it set.
 */
export const provideDevPaymentKeys = async (file: string, env: NodeJS.ProcessEnv = process.env): Promise<() => void> => {
  const wanted: [string, keyof DevPaymentSecrets][] = [
    ['STRIPE_SECRET_KEY', 'stripeSecretKey'],
    ['STRIPE_WEBHOOK_SECRET', 'stripeWebhookSecret'],
    ['PAYSTACK_SECRET_KEY', 'paystackSecretKey'],
  ];
  const missing = wanted.filter(([name]) => !env[name]);
  if (missing.length === 0) return () => undefined;
  const secrets = await loadOrCreateDevPaymentSecrets(file);
  for (const [name, key] of missing) env[name] = secrets[key];
  return () => {
    for (const [name] of missing) delete env[name];
  };
};
