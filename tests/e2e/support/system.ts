import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { createTokenSigner, generateSigningKey, toJwks } from '../../../layers/auth';
import type { Role } from '../../../layers/auth/types';
import { closeConnections, kafka } from '../../../layers/connections';
import { buildAll, isBuildStale } from '../../../openfaas/build';
import { devMailboxRoutes } from '../../../openfaas/gateway/dev-mailbox';
import { startDevPaystack } from '../../../openfaas/gateway/dev-paystack';
import { startGateway } from '../../../openfaas/gateway/server';
import { httpInvoke } from '../../../openfaas/gateway/invoke-http';
import { topics } from '../../../triggers/catalogue';
import { startConnector } from '../../../triggers/connector';
import { provisionTopics, topicConfigs } from '../../../triggers/provision';
import { loadStack, stackFunctions } from '../../../triggers/stack';
import { startMailbox, type Mailbox } from '../../support/mailbox';
import { startablePod } from './pods';

const ROOT = path.resolve(__dirname, '../../..');
const ISSUER = 'https://auth.marketplace.local';
const AUDIENCE = 'marketplace-api';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  method?: string;
  path?: string;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface SystemOptions {
  /** A mailbox the caller started (and stops); the gateway serves it at `GET /dev/mailbox`. */
  mailbox?: Mailbox;
  /** Run the trigger connector in a child process (killable with `killConnector`) instead of in this one. */
  connectorProcess?: boolean;
  /** Functions served by pods of their own behind the gateway (`pods[name].kill()` / `.start()`), not in the gateway's process. */
  pods?: string[];
}

/**
 * The whole system for end-to-end tests: every bundle behind the gateway, the Kafka trigger
 * connector invoking them through it (in a child process with `connectorProcess`), and the outbox
 * relay in a child process.
 *
 * What the notification service sends is captured: unless the caller passes its own mailbox or
 * has configured both channels already (SMTP_URL, SMS_API_URL in the environment), the system
 * starts one (tests/support/mailbox.ts) for the channels left unset, before the functions load,
 * and the gateway serves it at `GET /dev/mailbox` as `npm start`'s does, so the k6 scripts drive
 * the flows that need a code from the mailbox. Variables already set are left as they are.
 */
export const startSystem = async (options: SystemOptions = {}) => {
  const key = await generateSigningKey();
  process.env.JWKS = JSON.stringify(toJwks([key.publicJwk]));
  // auth-login signs with the key the functions verify with; one-time codes are sealed with a key of the run.
  process.env.AUTH_SIGNING_KEYS = JSON.stringify([key.privateJwk]);
  process.env.SEALING_KEY = randomBytes(32).toString('base64url');
  process.env.AUTH_SECRET_KEY = randomBytes(32).toString('base64url');
  // The identity service's own limits (sign-ins per IP and email, registrations per IP) likewise.
  process.env.AUTH_RATE_LIMIT_SCALE = '1000';
  process.env.CONNECTOR_SECRET = randomBytes(24).toString('hex');
  // stripe-mock takes any well-formed test key; the webhook secret is this run's, so the tests sign as Stripe does.
  process.env.STRIPE_SECRET_KEY = `sk_test_${randomBytes(12).toString('hex')}`;
  process.env.STRIPE_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64url')}`;
  process.env.PAYSTACK_SECRET_KEY = `sk_test_${randomBytes(20).toString('hex')}`;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // Tests poll from one IP far faster than any client would; rate limits have their own tests.
  process.env.RATE_LIMIT_CAPACITY = '1000000';
  process.env.RATE_LIMIT_REFILL_PER_SECOND = '1000000';
  // Tokens minted here name tenants with no plan projection: the largest plan keeps their tenant bucket out of the way.
  process.env.UNPROVISIONED_TENANT_PLAN = 'ENTERPRISE';
  /** Signs with the system's own key; another issuer or audience makes a token the functions must refuse. */
  const signerFor = (issuer: string, audience: string) => createTokenSigner({ privateJwk: key.privateJwk, kid: key.kid, issuer, audience, ttlSeconds: 900 });
  const signer = signerFor(ISSUER, AUDIENCE);

  const needsSmtp = !process.env.SMTP_URL;
  const needsSms = !process.env.SMS_API_URL;
  const ownMailbox = options.mailbox || (!needsSmtp && !needsSms) ? undefined : await startMailbox({ apiKey: process.env.SMS_API_KEY });
  const mailbox = options.mailbox ?? ownMailbox;
  /** The mailbox variables this system set, unset again by stop(). */
  const applied: string[] = [];
  if (ownMailbox) {
    for (const [name, value] of Object.entries(ownMailbox.env)) {
      const channelUnset = name === 'SMTP_URL' ? needsSmtp : needsSms;
      if (channelUnset && !process.env[name]) {
        process.env[name] = value;
        applied.push(name);
      }
    }
  }
  const mailboxRoutes = options.mailbox
    ? devMailboxRoutes(options.mailbox)
    : ownMailbox
      ? devMailboxRoutes({ smtp: needsSmtp ? ownMailbox.smtp : undefined, sms: needsSms ? ownMailbox.sms : undefined })
      : undefined;

  // Paystack: the same local peer `npm start` serves (at /dev/paystack), unless PAYSTACK_API_BASE names one.
  const paystack = await startDevPaystack(pino({ level: 'silent' }));
  const extraRoutes = { ...mailboxRoutes, ...paystack?.routes };

  const stack = loadStack(path.join(ROOT, 'stack.yml'));
  if (isBuildStale(stackFunctions(stack))) await buildAll();
  const admin = (await kafka()).admin();
  await admin.connect();
  await provisionTopics(admin, topicConfigs(topics()));
  await admin.disconnect();

  const log = pino({ level: 'silent' });
  const pods = await Promise.all(
    (options.pods ?? []).map((name) => {
      const spec = stackFunctions(stack).find((fn) => fn.name === name);
      if (!spec) throw new Error(`no function ${name} in stack.yml`);
      return startablePod(spec, process.env);
    }),
  );
  await Promise.all(pods.map((pod) => pod.start()));
  const gateway = await startGateway({
    port: 0,
    logger: log,
    upstreams: Object.fromEntries(pods.map((pod) => [pod.name, pod.url])),
    ...(Object.keys(extraRoutes).length > 0 ? { extraRoutes } : {}),
  });
  paystack?.peer.setWebhookUrl(`${gateway.url}/function/payment-webhook-paystack`);
  const connector = options.connectorProcess
    ? undefined
    : await startConnector({ stack, invoke: httpInvoke(gateway.url), kafka: await kafka(), log, secret: process.env.CONNECTOR_SECRET });
  await connector?.ready;

  const relay = killableChild('relay.ts', process.env);
  const connectorChild = killableChild('connector.ts', { ...process.env, GATEWAY_URL: gateway.url });
  await relay.start();
  if (options.connectorProcess) await connectorChild.start();

  const call = async <T = unknown>(fn: string, options: CallOptions = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${gateway.url}/function/${fn}${options.path ?? ''}`, { method: options.method ?? 'GET', headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };

  return {
    url: gateway.url,
    /** What the notification service sent (also at `GET <url>/dev/mailbox`); undefined when the caller configured both channels. */
    mailbox,
    call,
    startRelay: relay.start,
    killRelay: relay.kill,
    /** With `connectorProcess`: SIGKILL the connector mid-delivery, and start a new one. */
    startConnector: connectorChild.start,
    killConnector: connectorChild.kill,
    /** With `pods`: each function's own pod, to SIGKILL mid-request and start again. */
    pods: Object.fromEntries(pods.map((pod) => [pod.name, pod])),
    token: (claims: { tenant: string; roles?: Role[]; user?: string; issuer?: string; audience?: string }) =>
      (claims.issuer || claims.audience ? signerFor(claims.issuer ?? ISSUER, claims.audience ?? AUDIENCE) : signer).sign({
        sub: claims.user ?? `user-${uuidv7()}`,
        tid: claims.tenant,
        roles: claims.roles ?? ['owner'],
      }),
    stop: async () => {
      await relay.kill();
      await connectorChild.kill();
      await connector?.stop();
      await Promise.all(pods.map((pod) => pod.kill()));
      await gateway.close(100);
      await closeConnections();
      await ownMailbox?.stop();
      await paystack?.stop();
      for (const name of [...applied, ...(paystack?.applied ?? [])]) delete process.env[name];
    },
  };
};

export type System = Awaited<ReturnType<typeof startSystem>>;

/** A helper process of the system (tests/e2e/support/<file>) that a test may SIGKILL and start again. */
const killableChild = (file: string, env: NodeJS.ProcessEnv) => {
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const started = fork(path.join(__dirname, file), [], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      started.once('message', () => resolve());
      started.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM') reject(new Error(`${file} exited ${code ?? signal}`));
      });
      child = started;
    });
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return { start, kill };
};

/** Polls until `check` returns a value, or fails with what it last saw. */
export const eventually = async <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

export const newTenant = (): string => `tenant-${uuidv7()}`;

export const productBody = (overrides: Record<string, unknown> = {}) => ({
  storeId: 'main',
  name: 'Handwoven Linen Shirt',
  description: 'Breathable linen for warm days',
  category: 'apparel',
  status: 'active',
  price: { amount: 4900, currency: 'EUR' },
  variants: [{ sku: 'LS-M', name: 'Medium', attributes: { size: 'M' } }],
  ...overrides,
});
