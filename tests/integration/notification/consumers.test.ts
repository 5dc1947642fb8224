import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { codeIssued, signinFlagged } from '../../../functions/auth/events';
import { tenantProvisioned } from '../../../functions/tenant/events';
import { resetCircuitBreakers } from '../../../layers/circuit-breaker';
import { closeConnections } from '../../../layers/connections';
import { attributesOf } from '../../../layers/events/cloudevent';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { toHeaders } from '../../../layers/events/cloudevent';
import { seal } from '../../../layers/sealing';
import { extractCode, startSmsPeer, startSmtpCapture, type SmsPeer, type SmtpCapture } from '../../support/mailbox';
import { invoke, useTestKeys } from '../support/invoke';

type Mod = Parameters<typeof invoke>[0];
type Message = { id: string; state: string; attempts: number; lastError: string | null; body: string; subject: string | null; to: string; channel: string };

let token: Awaited<ReturnType<typeof useTestKeys>>;
let smtp: SmtpCapture;
let sms: SmsPeer;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  [smtp, sms] = await Promise.all([startSmtpCapture(), startSmsPeer()]);
  Object.assign(process.env, {
    SMTP_URL: smtp.url,
    SMS_API_URL: sms.url,
    SMS_API_KEY: sms.apiKey,
    MAIL_FROM: 'Marketplace <no-reply@marketplace.test>',
    SMTP_TIMEOUT_MS: '2000',
    SEALING_KEY: randomBytes(32).toString('base64url'),
  });
  token = await useTestKeys();
  // Imported after the environment is set: each function reads its configuration at load.
  const modules = {
    'on-code-issued': import('../../../functions/notification/on-code-issued'),
    'on-tenant-provisioned': import('../../../functions/notification/on-tenant-provisioned'),
    'on-signin-flagged': import('../../../functions/notification/on-signin-flagged'),
    'template-upsert': import('../../../functions/notification/template-upsert'),
    'message-list': import('../../../functions/notification/message-list'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(async () => {
  await Promise.all([smtp.stop(), sms.stop(), closeConnections()]);
});
beforeEach(() => {
  smtp.refuse(false);
  sms.fail(false);
  resetCircuitBreakers();
});

/** What the trigger connector POSTs for an event: binary-mode CloudEvent headers and the data. */
const deliver = (fn: string, entry: OutboxEntry) =>
  invoke<{ status?: string; code?: string }>(fns[fn]!, {
    method: 'POST',
    headers: { ...toHeaders(attributesOf(entry), 'ce-'), 'x-topic': entry.topic },
    body: JSON.parse(entry.data),
  });

const messagesOf = async (tenantId: string, query: Record<string, string> = {}) =>
  (await invoke<{ items: Message[] }>(fns['message-list']!, { token: await token(tenantId, ['admin']), query })).body.items;

const messageOf = async (tenantId: string, entry: OutboxEntry, channel = 'email') =>
  (await messagesOf(tenantId)).find((m) => m.id === `${entry.id}:${channel}`);

const codeEvent = async (tenantId: string, code: string, data: Partial<Parameters<typeof codeIssued.create>[0]['data']> = {}) =>
  codeIssued.create({
    subject: 'u-1',
    tenantId,
    source: 'auth-login',
    data: {
      userId: 'u-1',
      purpose: 'login-2fa',
      channel: 'email',
      to: `user-${uuidv7()}@example.com`,
      name: 'Ada',
      sealedSecret: await seal(code),
      expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      ...data,
    },
  });

/** Gives a just-captured message time to be followed by a (wrong) second one. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('notification consumers with real SMTP, the SMS peer and FerretDB', () => {
  it('on-code-issued emails the code exactly once under redelivery, and records it without the code', async () => {
    const tenant = `t-${uuidv7()}`;
    const entry = await codeEvent(tenant, '739102');
    const to = JSON.parse(entry.data).to as string;
    expect((await deliver('on-code-issued', entry)).body).toEqual({ status: 'processed' });
    const replies = await Promise.all([deliver('on-code-issued', entry), deliver('on-code-issued', entry)]);
    for (const reply of replies) expect([200, 409]).toContain(reply.status);
    expect((await deliver('on-code-issued', entry)).body).toEqual({ status: 'duplicate' });

    const mail = await smtp.waitFor((m) => m.to.includes(to));
    await settle();
    expect(smtp.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
    expect(mail).toMatchObject({ from: 'no-reply@marketplace.test', subject: 'Your sign-in code' });
    expect(extractCode(mail)).toBe('739102');
    expect(mail.html).toContain('<strong>739102</strong>');

    const record = await messageOf(tenant, entry);
    expect(record).toMatchObject({ state: 'sent', attempts: 1, to, subject: 'Your sign-in code', lastError: null });
    expect(JSON.stringify(record)).not.toContain('739102');
    expect(record!.body).toContain('Your sign-in code is [redacted]');
  });

  it('the core alone is idempotent too: a sent message is not sent again even past the inbox', async () => {
    const { makeOnCodeIssued } = await import('../../../functions/notification/on-code-issued');
    const { deliverDeps } = await import('../../../functions/notification/deps');
    const tenant = `t-${uuidv7()}`;
    const entry = await codeEvent(tenant, '220044');
    const event = { ...entry, data: JSON.parse(entry.data) };
    const core = makeOnCodeIssued(await deliverDeps());
    expect(await core(event)).toBe('sent');
    expect(await core(event)).toBe('already-sent');
    await settle();
    expect(smtp.messages.filter((m) => m.to.includes(event.data.to))).toHaveLength(1);
  });

  it('on-code-issued texts an SMS code once through the provider peer', async () => {
    const tenant = `t-${uuidv7()}`;
    const phone = `+4477009${String(Date.now()).slice(-5)}`;
    const entry = await codeEvent(tenant, '415263', { channel: 'sms', to: phone, purpose: 'email-verification' });
    await deliver('on-code-issued', entry);
    await deliver('on-code-issued', entry);
    const text = await sms.waitFor((m) => m.to === phone);
    await settle();
    expect(sms.messages.filter((m) => m.to === phone)).toHaveLength(1);
    expect(extractCode(text)).toBe('415263');
    expect(await messageOf(tenant, entry, 'sms')).toMatchObject({ state: 'sent', attempts: 1, channel: 'sms', subject: null });
  });

  it('on-tenant-provisioned welcomes the owner once, recorded in the new tenant', async () => {
    const tenant = `t-${uuidv7()}`;
    const owner = `owner-${uuidv7()}@example.com`;
    const entry = tenantProvisioned.create({
      subject: tenant,
      tenantId: tenant,
      source: 'tenant-on-onboarding-completed',
      data: { ownerUserId: 'u-9', ownerEmail: owner, ownerName: 'Grace', name: 'Hopper & Co', slug: 'hopper-co', type: 'SELLER_BUSINESS', plan: 'FREE' },
    });
    await deliver('on-tenant-provisioned', entry);
    await deliver('on-tenant-provisioned', entry);
    const mail = await smtp.waitFor((m) => m.to.includes(owner));
    await settle();
    expect(smtp.messages.filter((m) => m.to.includes(owner))).toHaveLength(1);
    expect(mail.subject).toBe('Welcome to Marketplace: Hopper & Co is ready');
    expect(mail.html).toContain('Hopper &amp; Co');
    expect(await messageOf(tenant, entry)).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('on-signin-flagged alerts the user once', async () => {
    const tenant = `t-${uuidv7()}`;
    const email = `flagged-${uuidv7()}@example.com`;
    const entry = signinFlagged.create({
      subject: 'u-3',
      tenantId: tenant,
      source: 'auth-login',
      data: { userId: 'u-3', email, reasons: ['repeated-failures'], ip: '198.51.100.7', locked: true },
    });
    await deliver('on-signin-flagged', entry);
    await deliver('on-signin-flagged', entry);
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    await settle();
    expect(smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
    expect(mail.subject).toBe('Your account was locked');
    expect(mail.text).toContain('from IP 198.51.100.7');
  });

  it('an SMTP server refusing the message: the consumer fails (retryable), the record counts failed attempts, the retry sends once', async () => {
    const tenant = `t-${uuidv7()}`;
    const entry = await codeEvent(tenant, '902817');
    const to = JSON.parse(entry.data).to as string;
    smtp.refuse(451);
    const first = await deliver('on-code-issued', entry);
    expect(first).toMatchObject({ status: 503, body: { code: 'delivery_failed' } });
    expect(await messageOf(tenant, entry)).toMatchObject({ state: 'failed', attempts: 1, lastError: expect.stringContaining('451') });
    expect((await deliver('on-code-issued', entry)).status).toBe(503);
    expect(await messageOf(tenant, entry)).toMatchObject({ state: 'failed', attempts: 2 });
    expect(await messagesOf(tenant, { state: 'failed' })).toHaveLength(1);

    smtp.refuse(false);
    expect((await deliver('on-code-issued', entry)).body).toEqual({ status: 'processed' });
    expect(await messageOf(tenant, entry)).toMatchObject({ state: 'sent', attempts: 3, lastError: expect.stringContaining('451') });
    expect(extractCode(await smtp.waitFor((m) => m.to.includes(to)))).toBe('902817');
    expect(await messagesOf(tenant, { state: 'failed' })).toEqual([]);
  });

  it('an SMTP server that is down: the consumer fails, and sends once the server is back', async () => {
    const tenant = `t-${uuidv7()}`;
    const entry = await codeEvent(tenant, '118364');
    const to = JSON.parse(entry.data).to as string;
    const { port } = smtp;
    await smtp.stop();
    try {
      expect((await deliver('on-code-issued', entry)).status).toBe(503);
      expect(await messageOf(tenant, entry)).toMatchObject({ state: 'failed', attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      smtp = await startSmtpCapture({ port });
    }
    expect((await deliver('on-code-issued', entry)).body).toEqual({ status: 'processed' });
    expect(extractCode(await smtp.waitFor((m) => m.to.includes(to)))).toBe('118364');
    expect(await messageOf(tenant, entry)).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('an SMS provider failing: retried, then sent', async () => {
    const tenant = `t-${uuidv7()}`;
    const phone = `+4477008${String(Date.now()).slice(-5)}`;
    const entry = await codeEvent(tenant, '664410', { channel: 'sms', to: phone });
    sms.fail(502);
    expect((await deliver('on-code-issued', entry)).status).toBe(503);
    expect(await messageOf(tenant, entry, 'sms')).toMatchObject({ state: 'failed', attempts: 1, lastError: 'SMS provider answered 502' });
    sms.fail(false);
    expect((await deliver('on-code-issued', entry)).body).toEqual({ status: 'processed' });
    expect(extractCode(await sms.waitFor((m) => m.to === phone))).toBe('664410');
  });

  it("uses the tenant's own template, and only for that tenant", async () => {
    const tenant = `t-${uuidv7()}`;
    const reply = await invoke(fns['template-upsert']!, {
      method: 'PUT',
      path: '/login-2fa/email',
      token: await token(tenant, ['admin']),
      body: { subject: 'Sign in to Hopper & Co, {{name}}', text: 'Code: {{code}} ({{expiresInMinutes}} min)', html: '<h1>{{code}}</h1>' },
    });
    expect(reply.status).toBe(201);
    const mine = await codeEvent(tenant, '557799');
    const theirs = await codeEvent(`t-${uuidv7()}`, '557700');
    await deliver('on-code-issued', mine);
    await deliver('on-code-issued', theirs);
    const custom = await smtp.waitFor((m) => m.to.includes(JSON.parse(mine.data).to));
    expect(custom).toMatchObject({ subject: 'Sign in to Hopper & Co, Ada', text: 'Code: 557799 (10 min)' });
    expect(custom.html).toContain('<h1>557799</h1>');
    expect((await smtp.waitFor((m) => m.to.includes(JSON.parse(theirs.data).to))).subject).toBe('Your sign-in code');
    expect((await messageOf(tenant, mine))!.body).toBe('Code: [redacted] (10 min)');
  });

  it('dead-letters at once (422) a code sealed with another key, sending nothing', async () => {
    const tenant = `t-${uuidv7()}`;
    const entry = codeIssued.create({
      subject: 'u-1',
      tenantId: tenant,
      source: 'auth-login',
      data: {
        userId: 'u-1',
        purpose: 'password-reset',
        channel: 'email',
        to: 'nobody@example.com',
        sealedSecret: await seal('not-for-you', randomBytes(32)),
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    expect(await deliver('on-code-issued', entry)).toMatchObject({ status: 422, body: { code: 'unsealable_secret' } });
    expect(await messagesOf(tenant)).toEqual([]);
  });
});
