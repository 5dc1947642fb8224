import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ConsumedEvent } from '../../../layers/events/consumer';
import { ConflictError, ServiceUnavailableError, UnprocessableError } from '../../../layers/errors';
import { makeDeliver, resolveTemplate } from '../../../functions/notification/deliver';
import { codeDelivery, makeOnCodeIssued } from '../../../functions/notification/on-code-issued';
import { makeOnSigninFlagged, signinFlaggedDelivery } from '../../../functions/notification/on-signin-flagged';
import { makeOnTenantProvisioned, welcomeDelivery } from '../../../functions/notification/on-tenant-provisioned';
import { EXPIRED_REASON, MASKED_SECRET, messageIdOf } from '../../../functions/notification/rules';
import { DEFAULT_TEMPLATES } from '../../../functions/notification/templates';
import { memoryDeliverDeps } from './support';

const NOW = new Date('2030-01-01T10:00:00.000Z');

const event = <T>(type: string, data: T, tenantId = 't1'): ConsumedEvent<T> => {
  const id = uuidv7();
  return { id, type, source: 'test', subject: 'u1', time: NOW.toISOString(), tenantId, correlationId: id, data };
};

const codeEvent = async (seal: (s: string) => Promise<string>, overrides: Record<string, unknown> = {}, secret = '731946') =>
  event('auth.code.issued.v1', {
    userId: 'u1',
    purpose: 'login-2fa' as const,
    channel: 'email' as const,
    to: 'ada@example.com',
    name: 'Ada',
    sealedSecret: await seal(secret),
    expiresAt: '2030-01-01T10:10:00.000Z',
    ...overrides,
  });

describe('code delivery', () => {
  it('maps the event: purpose → template, minutes from issue time, the secret sealed', async () => {
    const { seal } = memoryDeliverDeps();
    const e = await codeEvent(seal);
    expect(codeDelivery(e)).toEqual({
      tenantId: 't1',
      eventId: e.id,
      eventType: 'auth.code.issued.v1',
      key: 'login-2fa',
      channel: 'email',
      to: 'ada@example.com',
      variables: { name: 'Ada', to: 'ada@example.com', expiresAt: '2030-01-01T10:10:00.000Z', expiresInMinutes: 10 },
      sealedSecret: e.data.sealedSecret,
      expiresAt: '2030-01-01T10:10:00.000Z',
    });
  });

  it('sends the code once and records it sent, with the code masked in the record', async () => {
    const { deps, messages, senders, seal } = memoryDeliverDeps();
    const e = await codeEvent(seal);
    await expect(makeOnCodeIssued(deps)(e)).resolves.toBe('sent');
    expect(senders.emails).toHaveLength(1);
    expect(senders.emails[0]).toMatchObject({ to: 'ada@example.com', subject: 'Your sign-in code' });
    expect(senders.emails[0]!.text).toContain('731946');
    expect(senders.emails[0]!.html).toContain('<strong>731946</strong>');

    const record = messages.rows.get(messageIdOf(e.id, 'email'))!;
    expect(record).toMatchObject({ tenantId: 't1', state: 'sent', attempts: 1, providerId: '<m1@test>', templateKey: 'login-2fa', lastError: null });
    expect(record.body).toContain(`Your sign-in code is ${MASKED_SECRET}`);
    expect(JSON.stringify(record)).not.toContain('731946');
    expect(JSON.stringify(record)).not.toContain(e.data.sealedSecret);
  });

  it('a redelivery of a sent message sends nothing', async () => {
    const { deps, senders, seal } = memoryDeliverDeps();
    const e = await codeEvent(seal);
    await makeOnCodeIssued(deps)(e);
    await expect(makeOnCodeIssued(deps)(e)).resolves.toBe('already-sent');
    expect(senders.emails).toHaveLength(1);
  });

  it('a failed send throws a retryable 503, is recorded failed, and the redelivery sends it', async () => {
    const { deps, messages, senders, seal } = memoryDeliverDeps();
    const e = await codeEvent(seal);
    senders.state.failing = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ESOCKET' });
    const failure = await makeOnCodeIssued(deps)(e).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(failure).toMatchObject({ status: 503, code: 'delivery_failed' });
    expect((failure as Error).message).not.toContain('731946');
    const id = messageIdOf(e.id, 'email');
    expect(messages.rows.get(id)).toMatchObject({ state: 'failed', attempts: 1, lastError: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:2525' });

    await expect(makeOnCodeIssued(deps)(e)).rejects.toThrow(ServiceUnavailableError);
    expect(messages.rows.get(id)).toMatchObject({ state: 'failed', attempts: 2 });

    senders.state.failing = undefined;
    await expect(makeOnCodeIssued(deps)(e)).resolves.toBe('sent');
    expect(messages.rows.get(id)).toMatchObject({ state: 'sent', attempts: 3, lastError: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:2525' });
    expect(senders.emails).toHaveLength(1);
  });

  it('retries a message left pending by a crashed attempt', async () => {
    const { deps, messages, senders, seal } = memoryDeliverDeps();
    const e = await codeEvent(seal);
    const real = messages.transition.bind(messages);
    // The process "dies" after the send, before recording it: the record stays pending.
    messages.transition = async () => {
      throw new Error('connection lost');
    };
    await expect(makeOnCodeIssued(deps)(e)).rejects.toThrow('connection lost');
    expect(messages.rows.get(messageIdOf(e.id, 'email'))).toMatchObject({ state: 'pending', attempts: 1 });
    messages.transition = real;
    await expect(makeOnCodeIssued(deps)(e)).resolves.toBe('sent');
    expect(messages.rows.get(messageIdOf(e.id, 'email'))).toMatchObject({ state: 'sent', attempts: 2 });
    expect(senders.emails).toHaveLength(2);
  });

  it('refuses with a retryable 409 when another attempt moved the record on', async () => {
    const { deps, messages, seal } = memoryDeliverDeps();
    const e = await codeEvent(seal);
    messages.insert = async () => false;
    await expect(makeOnCodeIssued(deps)(e)).rejects.toBeInstanceOf(ConflictError);
  });

  it('sends SMS codes through the provider', async () => {
    const { deps, messages, senders, seal } = memoryDeliverDeps();
    const e = await codeEvent(seal, { channel: 'sms', to: '+447700900123' });
    await expect(makeOnCodeIssued(deps)(e)).resolves.toBe('sent');
    expect(senders.texts).toEqual([{ to: '+447700900123', text: 'Marketplace: your sign-in code is 731946 (expires in 10 min).' }]);
    expect(messages.rows.get(messageIdOf(e.id, 'sms'))).toMatchObject({
      channel: 'sms',
      subject: null,
      providerId: 'sms-1',
      body: `Marketplace: your sign-in code is ${MASKED_SECRET} (expires in 10 min).`,
    });
  });

  it('does not send a code that expired before it could go out', async () => {
    const { deps, messages, senders, seal } = memoryDeliverDeps(() => new Date('2030-01-01T10:11:00.000Z'));
    const e = await codeEvent(seal);
    await expect(makeOnCodeIssued(deps)(e)).resolves.toBe('expired');
    await expect(makeOnCodeIssued(deps)(e)).resolves.toBe('expired');
    expect(senders.emails).toEqual([]);
    expect(messages.rows.get(messageIdOf(e.id, 'email'))).toMatchObject({ state: 'failed', attempts: 0, lastError: EXPIRED_REASON });
  });

  it('dead-letters (422) a secret it cannot open, recording nothing', async () => {
    const { deps, messages, senders } = memoryDeliverDeps();
    const other = memoryDeliverDeps();
    const e = await codeEvent(other.seal);
    await expect(makeOnCodeIssued(deps)(e)).rejects.toMatchObject({ status: 422, code: 'unsealable_secret' });
    expect(await makeOnCodeIssued(deps)(e).catch((error: unknown) => error)).toBeInstanceOf(UnprocessableError);
    expect(messages.rows.size).toBe(0);
    expect(senders.emails).toEqual([]);
  });

  it("uses the tenant's template for its purpose, channel and locale, else the built-in one", async () => {
    const { deps, templates, senders, seal } = memoryDeliverDeps();
    await templates.upsert({
      tenantId: 't1',
      key: 'login-2fa',
      channel: 'email',
      input: { locale: 'en', subject: 'Shop sign-in for {{name}}', text: 'Code: {{code}}' },
      userId: 'admin',
      now: NOW,
    });
    await makeOnCodeIssued(deps)(await codeEvent(seal));
    expect(senders.emails[0]).toEqual({ to: 'ada@example.com', subject: 'Shop sign-in for Ada', text: 'Code: 731946' });
    await makeOnCodeIssued(deps)(await codeEvent(seal, {}, '111222'));
    await makeOnCodeIssued(deps)({ ...(await codeEvent(seal, {}, '333444')), tenantId: 't2' });
    expect(senders.emails[2]!.subject).toBe('Your sign-in code');
  });
});

describe('resolveTemplate', () => {
  it('prefers the locale, then the default locale, then the built-in template', async () => {
    const { templates } = memoryDeliverDeps();
    const write = (locale: string, text: string) =>
      templates.upsert({ tenantId: 't1', key: 'welcome', channel: 'sms', input: { locale, text }, userId: 'u', now: NOW });
    expect(await resolveTemplate(templates, 't1', 'welcome', 'sms', 'fr')).toEqual(DEFAULT_TEMPLATES.welcome.sms);
    await write('en', 'english');
    expect(await resolveTemplate(templates, 't1', 'welcome', 'sms', 'fr')).toEqual({ text: 'english' });
    await write('fr', 'français');
    expect(await resolveTemplate(templates, 't1', 'welcome', 'sms', 'fr')).toEqual({ text: 'français' });
    expect(await resolveTemplate(templates, 't2', 'welcome', 'sms', 'fr')).toEqual(DEFAULT_TEMPLATES.welcome.sms);
  });
});

describe('welcome and sign-in alerts', () => {
  const provisioned = {
    ownerUserId: 'u1',
    ownerEmail: 'owner@example.com',
    ownerName: 'Grace <Hopper>',
    name: 'Compilers & Co',
    slug: 'compilers-co',
    type: 'SELLER_BUSINESS' as const,
    plan: 'PRO' as const,
  };

  it('welcomes the owner in the new tenant, escaping names in HTML', async () => {
    const { deps, messages, senders } = memoryDeliverDeps();
    const e = event('tenant.tenant.provisioned.v1', provisioned, 'tenant-new');
    expect(welcomeDelivery(e)).toMatchObject({ tenantId: 'tenant-new', key: 'welcome', channel: 'email', to: 'owner@example.com' });
    await expect(makeOnTenantProvisioned(deps)(e)).resolves.toBe('sent');
    await expect(makeOnTenantProvisioned(deps)(e)).resolves.toBe('already-sent');
    expect(senders.emails).toHaveLength(1);
    expect(senders.emails[0]!.subject).toBe('Welcome to Marketplace: Compilers & Co is ready');
    expect(senders.emails[0]!.html).toContain('Hello Grace &lt;Hopper&gt;,');
    expect(senders.emails[0]!.html).toContain('<strong>Compilers &amp; Co</strong>');
    expect(messages.rows.get(messageIdOf(e.id, 'email'))).toMatchObject({
      tenantId: 'tenant-new',
      state: 'sent',
      body: expect.stringContaining('Compilers & Co (compilers-co)'),
    });
  });

  it('tells the user about a flagged sign-in, with defaults for what the event lacks', async () => {
    const { deps, senders } = memoryDeliverDeps();
    const e = event('auth.signin.flagged.v1', { userId: 'u1', email: 'ada@example.com', reasons: ['new-device-burst', 'ip-change-rate'], locked: true });
    expect(signinFlaggedDelivery(e).variables).toEqual({
      email: 'ada@example.com',
      reasons: ['new-device-burst', 'ip-change-rate'],
      reasonList: 'new-device-burst, ip-change-rate',
      ip: 'an unknown address',
      userAgent: 'an unknown device',
      locked: true,
      time: NOW.toISOString(),
    });
    await expect(makeOnSigninFlagged(deps)(e)).resolves.toBe('sent');
    expect(senders.emails[0]).toMatchObject({ to: 'ada@example.com', subject: 'Your account was locked' });
    expect(senders.emails[0]!.text).toContain('(new-device-burst, ip-change-rate), from IP an unknown address');
  });

  it('a message without a secret is stored as sent', async () => {
    const { deps, messages } = memoryDeliverDeps();
    const e = event('auth.signin.flagged.v1', { userId: 'u1', email: 'ada@example.com', reasons: ['x'], ip: '198.51.100.4', locked: false });
    await makeDeliver(deps)(signinFlaggedDelivery(e));
    expect(messages.rows.get(messageIdOf(e.id, 'email'))!.body).toContain('from IP 198.51.100.4');
  });
});
