import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../layers/errors';
import { makeListMessages } from '../../../functions/notification/message-list';
import { encodeCursor, startAttempt, markSent, messageIdOf } from '../../../functions/notification/rules';
import { makeListTemplates } from '../../../functions/notification/template-list';
import { makeUpsertTemplate } from '../../../functions/notification/template-upsert';
import { TEMPLATE_KEYS } from '../../../functions/notification/schemas';
import { memoryMessageStore, memoryTemplateStore } from './support';

const NOW = new Date('2030-01-01T10:00:00.000Z');
const admin = { tenantId: 't1', userId: 'admin-1' };

describe('template upsert', () => {
  it('creates, then replaces with a new version, answering the preview', async () => {
    const templates = memoryTemplateStore();
    const upsert = makeUpsertTemplate({ templates, now: () => NOW });
    const first = await upsert(admin, 'welcome', 'email', { locale: 'en', subject: 'Hi {{name}}', text: '{{tenantName}} is live' });
    expect(first).toEqual({
      created: true,
      template: {
        key: 'welcome',
        channel: 'email',
        locale: 'en',
        subject: 'Hi {{name}}',
        text: '{{tenantName}} is live',
        source: 'tenant',
        version: 1,
        updatedAt: NOW.toISOString(),
        updatedBy: 'admin-1',
        preview: { subject: 'Hi Ada Lovelace', text: 'Analytical Engines is live' },
      },
    });
    const second = await upsert(admin, 'welcome', 'email', { locale: 'en', subject: 'Hello', text: 'again', html: '<p>{{name}}</p>' });
    expect(second).toMatchObject({ created: false, template: { version: 2, html: '<p>{{name}}</p>', preview: { html: '<p>Ada Lovelace</p>' } } });
  });

  it('refuses a broken template with 422 and stores nothing', async () => {
    const templates = memoryTemplateStore();
    const upsert = makeUpsertTemplate({ templates, now: () => NOW });
    await expect(upsert(admin, 'password-reset', 'email', { locale: 'en', subject: 'Reset', text: 'Click {{link}}' })).rejects.toBeInstanceOf(
      UnprocessableError,
    );
    await expect(upsert(admin, 'password-reset', 'email', { locale: 'en', subject: 'Reset', text: 'Your reset {{#if}}' })).rejects.toMatchObject({
      status: 422,
    });
    expect(templates.rows.size).toBe(0);
  });
});

describe('template list', () => {
  it("pages the tenant's templates and shows the built-in ones for the same filter", async () => {
    const templates = memoryTemplateStore();
    const upsert = makeUpsertTemplate({ templates, now: () => NOW });
    await upsert(admin, 'welcome', 'sms', { locale: 'en', text: 'a {{name}}' });
    await upsert(admin, 'welcome', 'sms', { locale: 'fr', text: 'b {{name}}' });
    await upsert(admin, 'login-2fa', 'sms', { locale: 'en', text: '{{code}}' });
    await upsert({ tenantId: 't2', userId: 'x' }, 'welcome', 'sms', { locale: 'en', text: 'other tenant' });
    const list = makeListTemplates({ templates });

    const first = await list('t1', { limit: 2 });
    expect(first.items.map((t) => `${t.key}/${t.locale}`)).toEqual(['login-2fa/en', 'welcome/en']);
    expect(first.nextCursor).toBe(encodeCursor('t1:welcome:sms:en'));
    expect(first.defaults).toHaveLength(TEMPLATE_KEYS.length * 2);
    expect(first.defaults[0]).toMatchObject({ source: 'default', version: 0, updatedAt: null, updatedBy: null });
    const second = await list('t1', { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((t) => `${t.key}/${t.locale}`)).toEqual(['welcome/fr']);
    expect(second.nextCursor).toBeNull();

    const filtered = await list('t1', { limit: 20, key: 'welcome', channel: 'sms' });
    expect(filtered.items.map((t) => t.text)).toEqual(['a {{name}}', 'b {{name}}']);
    expect(filtered.defaults.map((t) => `${t.key}/${t.channel}`)).toEqual(['welcome/sms']);
    expect((await list('t3', { limit: 20 })).items).toEqual([]);
  });
});

describe('message list', () => {
  it('pages newest first, filters by state and channel, one tenant only', async () => {
    const messages = memoryMessageStore();
    const ids = ['0190a0a0-0000-7000-8000-000000000001', '0190a0a0-0000-7000-8000-000000000002', '0190a0a0-0000-7000-8000-000000000003'];
    for (const [n, eventId] of ids.entries()) {
      const channel = n === 1 ? 'sms' : 'email';
      const attempt = startAttempt(
        undefined,
        {
          id: messageIdOf(eventId, channel),
          tenantId: 't1',
          eventId,
          eventType: 'x.y.z.v1',
          templateKey: 'welcome',
          channel,
          locale: 'en',
          to: 'a@b.c',
          subject: null,
          body: 'b',
        },
        NOW,
      )!;
      await messages.insert(n === 2 ? attempt : markSent(attempt, `p${n}`, NOW));
    }
    await messages.insert({ ...(await messages.get('t1', messageIdOf(ids[0]!, 'email')))!, id: 'zzz:email', tenantId: 't2' });
    const list = makeListMessages({ messages });

    const first = await list('t1', { limit: 2 });
    expect(first.items.map((m) => m.eventId)).toEqual([ids[2], ids[1]]);
    expect(first.items[0]).not.toHaveProperty('tenantId');
    const second = await list('t1', { limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ eventId: ids[0] })], nextCursor: null });
    expect((await list('t1', { limit: 10, state: 'pending' })).items.map((m) => m.eventId)).toEqual([ids[2]]);
    expect((await list('t1', { limit: 10, channel: 'sms', state: 'sent' })).items.map((m) => m.eventId)).toEqual([ids[1]]);
    expect((await list('t2', { limit: 10 })).items.map((m) => m.id)).toEqual(['zzz:email']);
  });
});
