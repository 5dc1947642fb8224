import { createHmac, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/**
 * A local Paystack: a real HTTP peer speaking the part of Paystack's API the payment service
 * calls, with Paystack's response envelopes (`{ status, message, data }`, errors with `type`
 * and `code`) and its bearer-key check:
 *   POST /transaction/initialize           → 200 { authorization_url, access_code, reference }
 *   GET  /transaction/verify/:reference    → 200 the transaction (status abandoned|success|failed)
 *   POST /refund                           → 200 the queued refund
 * and a stand-in for Paystack's hosted checkout page at the `authorization_url`
 * (`GET|POST /checkout/:access_code`), where paying sends the `charge.success` webhook signed as
 * Paystack signs it (`x-paystack-signature`: hex HMAC-SHA512 of the body with the secret key).
 *
 * Tests use it directly (tests/support/paystack-peer.ts); `npm start` runs one when
 * PAYSTACK_API_BASE is not configured, sends its webhooks to the gateway and lists its
 * transactions and refunds at `GET /dev/paystack`, so a developer can open an authorization URL
 * and pay. NODE_ENV=production, or a configured PAYSTACK_API_BASE, starts nothing.
 */
export const DEV_PAYSTACK_PATH = '/dev/paystack';

/** The currencies a Paystack integration can charge in; others are refused as Paystack refuses them. */
export const PAYSTACK_CURRENCIES = ['NGN', 'GHS', 'ZAR', 'KES', 'USD', 'XOF', 'EGP'] as const;

export interface PeerTransaction {
  id: number;
  reference: string;
  accessCode: string;
  authorizationUrl: string;
  email: string;
  amount: number;
  currency: string;
  metadata: unknown;
  status: 'abandoned' | 'success' | 'failed';
  gatewayResponse: string | null;
  refunded: number;
  createdAt: string;
  paidAt: string | null;
}

export interface PeerRefund {
  id: number;
  transactionId: number;
  reference: string;
  amount: number;
  currency: string;
  status: 'pending';
  merchantNote: string | null;
  customerNote: string | null;
  createdAt: string;
}

export interface SignedWebhook {
  body: string;
  signature: string;
  /** The headers Paystack sends with it. */
  headers: Record<string, string>;
}

export interface PaystackPeerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The secret key expected as bearer and used to sign webhooks; a function is asked on every request. Random by default. */
  secretKey?: string | (() => string | undefined);
  /** Where paying delivers the signed `charge.success`; none → the webhook is only returned. */
  webhookUrl?: string;
  /** Called with each webhook delivered or its failure. */
  onWebhook?: (reference: string, status: number | Error) => void;
}

export interface PaystackPeer {
  /** The API base to configure as PAYSTACK_API_BASE. */
  url: string;
  readonly secretKey: string | undefined;
  readonly transactions: readonly PeerTransaction[];
  readonly refunds: readonly PeerRefund[];
  /** Every API request received, in order (method and path), authorised or not. */
  readonly calls: readonly { method: string; path: string }[];
  /** Requests refused for a missing or wrong bearer key. */
  readonly unauthorized: number;
  transaction(reference: string): PeerTransaction | undefined;
  /**
   * Completes a transaction as a buyer on the checkout page would. `success` marks it paid and
   * delivers the signed `charge.success` to the webhook URL, if any (its HTTP status in `delivered`);
   * `failed` marks it failed (Paystack sends no webhook for that).
   */
  pay(reference: string, outcome?: 'success' | 'failed'): Promise<{ webhook?: SignedWebhook; delivered?: number }>;
  /** The signed `charge.success` event of a transaction, as Paystack would send it. */
  chargeSuccess(reference: string): SignedWebhook;
  /** Signs any body with the secret key, as Paystack signs webhooks. */
  sign(body: string): string;
  setWebhookUrl(url: string | undefined): void;
  /** Answer every API call with this HTTP status (500, 503...), or behave again with false. */
  fail(status: number | false): void;
  stop(): Promise<void>;
}

class PeerError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly type = 'validation_error',
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new PeerError(413, 'Request body too large', 'payload_too_large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Paystack takes JSON or form-encoded bodies. */
const parseBody = (req: IncomingMessage, text: string): Record<string, unknown> => {
  if (!text) return {};
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new PeerError(400, 'Invalid JSON body', 'invalid_body');
  }
};

const send = (res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const failure = (res: ServerResponse, error: PeerError): void =>
  send(res, error.status, { status: false, message: error.message, meta: { nextStep: 'Check the request and try again' }, type: error.type, code: error.code });

/** A positive integer amount in subunits, as a number or numeric string. */
const amountOf = (value: unknown, field = 'amount'): number => {
  const amount = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) throw new PeerError(400, `Invalid ${field}`, 'invalid_amount');
  return amount;
};

const metadataOf = (value: unknown): unknown => {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const startPaystackPeer = async (options: PaystackPeerOptions = {}): Promise<PaystackPeer> => {
  const host = options.host ?? '127.0.0.1';
  const fixedKey = `sk_test_${randomBytes(20).toString('hex')}`;
  const keyOf = (): string | undefined => (typeof options.secretKey === 'function' ? options.secretKey() : (options.secretKey ?? fixedKey));
  const transactions: PeerTransaction[] = [];
  const refunds: PeerRefund[] = [];
  const calls: { method: string; path: string }[] = [];
  const byReference = new Map<string, PeerTransaction>();
  const byAccessCode = new Map<string, PeerTransaction>();
  let webhookUrl = options.webhookUrl;
  let failing: number | false = false;
  let unauthorized = 0;
  let nextId = 4_000_000_000 + Math.floor(Math.random() * 1_000_000);
  let url = '';

  const sign = (body: string): string =>
    createHmac('sha512', keyOf() ?? '')
      .update(body, 'utf8')
      .digest('hex');

  const transactionData = (tx: PeerTransaction) => ({
    id: tx.id,
    domain: 'test',
    status: tx.status,
    reference: tx.reference,
    amount: tx.amount,
    message: null,
    gateway_response: tx.gatewayResponse,
    paid_at: tx.paidAt,
    created_at: tx.createdAt,
    channel: 'card',
    currency: tx.currency,
    ip_address: '127.0.0.1',
    metadata: tx.metadata,
    fees: tx.status === 'success' ? Math.round(tx.amount * 0.015) : null,
    customer: { id: 1000 + (tx.id % 1000), email: tx.email, customer_code: `CUS_${tx.id.toString(36)}` },
    authorization:
      tx.status === 'success'
        ? { authorization_code: `AUTH_${tx.accessCode}`, bin: '408408', last4: '4081', channel: 'card', card_type: 'visa', bank: 'TEST BANK', reusable: true }
        : {},
  });

  const chargeSuccess = (reference: string): SignedWebhook => {
    const tx = byReference.get(reference);
    if (!tx) throw new Error(`paystack peer: no transaction ${reference}`);
    const body = JSON.stringify({ event: 'charge.success', data: transactionData(tx) });
    const signature = sign(body);
    return { body, signature, headers: { 'content-type': 'application/json', 'x-paystack-signature': signature } };
  };

  const pay = async (reference: string, outcome: 'success' | 'failed' = 'success') => {
    const tx = byReference.get(reference);
    if (!tx) throw new Error(`paystack peer: no transaction ${reference}`);
    if (tx.status === 'success') return {};
    tx.status = outcome;
    tx.gatewayResponse = outcome === 'success' ? 'Successful' : 'Declined';
    if (outcome === 'failed') return {};
    tx.paidAt = new Date().toISOString();
    const webhook = chargeSuccess(reference);
    if (!webhookUrl) return { webhook };
    try {
      const response = await fetch(webhookUrl, { method: 'POST', headers: webhook.headers, body: webhook.body, signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      options.onWebhook?.(reference, response.status);
      return { webhook, delivered: response.status };
    } catch (error) {
      options.onWebhook?.(reference, error as Error);
      return { webhook };
    }
  };

  const initialize = (body: Record<string, unknown>) => {
    const email = body.email;
    if (typeof email !== 'string' || !email.includes('@')) throw new PeerError(400, 'Invalid Email Address Passed', 'invalid_email');
    const amount = amountOf(body.amount);
    const currency = typeof body.currency === 'string' && body.currency ? body.currency.toUpperCase() : 'NGN';
    if (!(PAYSTACK_CURRENCIES as readonly string[]).includes(currency)) throw new PeerError(400, 'Currency not supported by merchant', 'unsupported_currency');
    const reference = typeof body.reference === 'string' && body.reference ? body.reference : `T${randomBytes(8).toString('hex')}`;
    if (!/^[A-Za-z0-9.=-]+$/.test(reference)) throw new PeerError(400, 'Invalid transaction reference', 'invalid_reference');
    if (byReference.has(reference)) throw new PeerError(400, 'Duplicate Transaction Reference', 'duplicate_reference');
    nextId += 1;
    const accessCode = randomBytes(8).toString('hex');
    const tx: PeerTransaction = {
      id: nextId,
      reference,
      accessCode,
      authorizationUrl: `${url}/checkout/${accessCode}`,
      email,
      amount,
      currency,
      metadata: metadataOf(body.metadata),
      status: 'abandoned',
      gatewayResponse: null,
      refunded: 0,
      createdAt: new Date().toISOString(),
      paidAt: null,
    };
    transactions.push(tx);
    byReference.set(reference, tx);
    byAccessCode.set(accessCode, tx);
    return { status: true, message: 'Authorization URL created', data: { authorization_url: tx.authorizationUrl, access_code: accessCode, reference } };
  };

  const refund = (body: Record<string, unknown>) => {
    const key = typeof body.transaction === 'string' || typeof body.transaction === 'number' ? String(body.transaction) : '';
    const tx = byReference.get(key) ?? transactions.find((t) => String(t.id) === key);
    if (!tx) throw new PeerError(400, 'Transaction not found', 'transaction_not_found');
    if (tx.status !== 'success') throw new PeerError(400, 'Cannot refund a transaction that was not successful', 'transaction_not_refundable');
    const left = tx.amount - tx.refunded;
    if (left === 0) throw new PeerError(400, 'Transaction has been fully reversed', 'transaction_reversed');
    const amount = body.amount === undefined ? left : amountOf(body.amount);
    if (amount > left) throw new PeerError(400, 'Refund amount cannot be more than the unrefunded balance', 'invalid_amount');
    if (typeof body.currency === 'string' && body.currency.toUpperCase() !== tx.currency)
      throw new PeerError(400, 'Currency does not match transaction', 'invalid_currency');
    tx.refunded += amount;
    nextId += 1;
    const created: PeerRefund = {
      id: nextId,
      transactionId: tx.id,
      reference: tx.reference,
      amount,
      currency: tx.currency,
      status: 'pending',
      merchantNote: typeof body.merchant_note === 'string' ? body.merchant_note : null,
      customerNote: typeof body.customer_note === 'string' ? body.customer_note : null,
      createdAt: new Date().toISOString(),
    };
    refunds.push(created);
    return {
      status: true,
      message: 'Refund has been queued for processing',
      data: {
        transaction: { id: tx.id, domain: 'test', reference: tx.reference, amount: tx.amount, paid_at: tx.paidAt, channel: 'card', currency: tx.currency },
        integration: 100001,
        deducted_amount: 0,
        channel: null,
        merchant_note: created.merchantNote,
        customer_note: created.customerNote,
        status: created.status,
        refunded_by: 'api',
        expected_at: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        currency: created.currency,
        domain: 'test',
        amount,
        fully_deducted: false,
        id: created.id,
        createdAt: created.createdAt,
        updatedAt: created.createdAt,
      },
    };
  };

  const checkoutPage = (tx: PeerTransaction): string =>
    [
      '<!doctype html><meta charset="utf-8"><title>Paystack (local peer)</title>',
      `<h1>Pay ${escapeHtml(tx.currency)} ${(tx.amount / 100).toFixed(2)}</h1>`,
      `<p>Reference ${escapeHtml(tx.reference)} · ${escapeHtml(tx.email)} · status <b>${tx.status}</b></p>`,
      `<form method="post"><button name="outcome" value="success">Pay</button> <button name="outcome" value="failed">Decline</button></form>`,
    ].join('\n');

  const api = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    calls.push({ method: req.method ?? 'GET', path });
    const key = keyOf();
    if (!key || req.headers.authorization !== `Bearer ${key}`) {
      unauthorized += 1;
      return send(res, 401, { status: false, message: 'Invalid key', type: 'api_error', code: 'invalid_key' });
    }
    if (failing !== false) return send(res, failing, { status: false, message: 'Something went wrong', type: 'api_error', code: 'unknown' });
    const body = parseBody(req, await readBody(req));
    const verify = /^\/transaction\/verify\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && path === '/transaction/initialize') return send(res, 200, initialize(body));
    if (req.method === 'GET' && verify) {
      const tx = byReference.get(decodeURIComponent(verify[1]!));
      if (!tx) throw new PeerError(400, 'Transaction reference not found', 'transaction_not_found');
      return send(res, 200, { status: true, message: 'Verification successful', data: transactionData(tx) });
    }
    if (req.method === 'POST' && path === '/refund') return send(res, 200, refund(body));
    throw new PeerError(404, 'Not found', 'not_found', 'api_error');
  };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://peer.local').pathname;
    const handle = async (): Promise<void> => {
      const checkout = /^\/checkout\/([0-9a-f]+)$/.exec(path);
      if (!checkout) return api(req, res, path);
      const tx = byAccessCode.get(checkout[1]!);
      if (!tx) return send(res, 404, 'No such checkout', 'text/plain');
      if (req.method === 'POST') {
        const outcome = new URLSearchParams(await readBody(req)).get('outcome') === 'failed' ? 'failed' : 'success';
        await pay(tx.reference, outcome);
      }
      return send(res, 200, checkoutPage(tx), 'text/html; charset=utf-8');
    };
    handle().catch((error: unknown) => failure(res, error instanceof PeerError ? error : new PeerError(500, 'Peer failure', 'peer_failure', 'api_error')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  url = `http://${host}:${(server.address() as AddressInfo).port}`;

  return {
    url,
    get secretKey() {
      return keyOf();
    },
    transactions,
    refunds,
    calls,
    get unauthorized() {
      return unauthorized;
    },
    transaction: (reference) => byReference.get(reference),
    pay,
    chargeSuccess,
    sign,
    setWebhookUrl: (next) => {
      webhookUrl = next;
    },
    fail: (status) => {
      failing = status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** How many transactions and refunds `GET /dev/paystack` lists (the newest). */
const LISTED = 200;

export interface DevPaystack {
  peer: PaystackPeer;
  /** Extra gateway routes: `/dev/paystack`. */
  routes: Record<string, () => unknown>;
  applied: string[];
  stop(): Promise<void>;
}

/**
 * `npm start`'s Paystack: the peer on loopback as PAYSTACK_API_BASE, checking and signing with
 * PAYSTACK_SECRET_KEY as the environment has it when a request arrives (the dev key file sets
 * it when the gateway starts). Call `peer.setWebhookUrl` once the gateway listens.
 */
export const startDevPaystack = async (log: Pick<Logger, 'info'>, env: NodeJS.ProcessEnv = process.env): Promise<DevPaystack | undefined> => {
  if (env.NODE_ENV === 'production' || env.PAYSTACK_API_BASE) return undefined;
  const peer = await startPaystackPeer({
    secretKey: () => env.PAYSTACK_SECRET_KEY,
    onWebhook: (reference, status) =>
      log.info({ reference, status: status instanceof Error ? status.message : status }, 'dev paystack: charge.success delivered'),
  });
  env.PAYSTACK_API_BASE = peer.url;
  log.info({ url: peer.url }, `dev paystack: a local Paystack serves PAYSTACK_API_BASE; its transactions are at GET ${DEV_PAYSTACK_PATH}`);
  const newest = <T>(items: readonly T[]): T[] => items.slice(-LISTED).reverse();
  return {
    peer,
    routes: { [DEV_PAYSTACK_PATH]: () => ({ apiBase: peer.url, transactions: newest(peer.transactions), refunds: newest(peer.refunds) }) },
    applied: ['PAYSTACK_API_BASE'],
    stop: () => peer.stop(),
  };
};
