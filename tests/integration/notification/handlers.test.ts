import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import { TEMPLATE_KEYS } from '../../../functions/notification/schemas';
import { invoke, useTestKeys } from '../support/invoke';

type Mod = Parameters<typeof invoke>[0];
type Template = { key: string; channel: string; locale: string; subject?: string; text: string; html?: string; source: string; version: number };

let token: Awaited<ReturnType<typeof useTestKeys>>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  token = await useTestKeys();
  // Imported after the test keys are set: each function reads its configuration at load.
  fns.upsert = (await import('../../../functions/notification/template-upsert')) as Mod;
  fns.list = (await import('../../../functions/notification/template-list')) as Mod;
  fns.messages = (await import('../../../functions/notification/message-list')) as Mod;
});
afterAll(closeConnections);

const put = async (tenantId: string, path: string, body: unknown, roles: ('admin' | 'staff' | 'owner')[] = ['admin']) =>
  invoke<Template & { preview: Record<string, string>; code?: string; part?: string }>(fns.upsert!, {
    method: 'PUT',
    path,
    token: await token(tenantId, roles),
    body,
  });

const list = async (tenantId: string, query: Record<string, string> = {}, roles: ('staff' | 'customer')[] = ['staff']) =>
  invoke<{ items: Template[]; nextCursor: string | null; defaults: Template[] }>(fns.list!, { token: await token(tenantId, roles), query });

describe('notification template and message handlers on FerretDB', () => {
  it('upserts a template: 201 with a preview, then 200 with the next version; optional parts can be dropped', async () => {
    const tenant = `t-${uuidv7()}`;
    const created = await put(tenant, '/welcome/email', { subject: 'Hi {{name}}', text: '{{tenantName}} is live', html: '<p>{{tenantName}}</p>' });
    expect(created).toMatchObject({
      status: 201,
      body: {
        key: 'welcome',
        channel: 'email',
        locale: 'en',
        source: 'tenant',
        version: 1,
        preview: { subject: 'Hi Ada Lovelace', html: '<p>Analytical Engines</p>' },
      },
    });
    const replaced = await put(tenant, '/welcome/email', { subject: 'Hello', text: 'again' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ version: 2, subject: 'Hello', text: 'again' });
    expect(replaced.body).not.toHaveProperty('html');
    const listed = await list(tenant);
    expect(listed.body.items).toEqual([expect.objectContaining({ key: 'welcome', channel: 'email', version: 2, text: 'again' })]);
    expect(listed.body.items[0]).not.toHaveProperty('html');
  });

  it('concurrent first writes of one template all succeed, one of them creating it', async () => {
    const tenant = `t-${uuidv7()}`;
    const replies = await Promise.all(Array.from({ length: 6 }, (_, n) => put(tenant, '/login-2fa/sms', { text: `${n}: {{code}}` })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect((await list(tenant)).body.items).toHaveLength(1);
  });

  it('refuses a broken template with 422 and stores nothing', async () => {
    const tenant = `t-${uuidv7()}`;
    const broken = [
      ['/welcome/email', { subject: 'Hi {{nmae}}', text: 'x' }, 'invalid_template'],
      ['/welcome/email', { subject: 'Hi', text: '{{#each}}' }, 'invalid_template'],
      ['/welcome/email', { subject: 'Hi', text: 'x', html: '<p>{{{name}}}</p>' }, 'unescaped_html'],
      ['/password-reset/email', { subject: 'Reset', text: 'Click the link' }, 'missing_code'],
      ['/login-2fa/sms', { subject: 'x', text: '{{code}}' }, 'invalid_template'],
    ] as const;
    for (const [path, body, code] of broken) {
      const reply = await put(tenant, path, body);
      expect(reply.status, `${path} ${JSON.stringify(body)}`).toBe(422);
      expect(reply.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(reply.body.code).toBe(code);
    }
    expect((await list(tenant)).body.items).toEqual([]);
  });

  it('validates the request: unknown key or channel, unknown fields, bad locale → 400', async () => {
    const tenant = `t-${uuidv7()}`;
    expect((await put(tenant, '/receipt/email', { subject: 'x', text: 'x' })).status).toBe(400);
    expect((await put(tenant, '/welcome/fax', { subject: 'x', text: 'x' })).status).toBe(400);
    expect((await put(tenant, '/welcome/email', { subject: 'x', text: 'x', $where: '1' })).status).toBe(400);
    expect((await put(tenant, '/welcome/email', { locale: 'english', subject: 'x', text: 'x' })).status).toBe(400);
    expect((await list(tenant, { channel: 'fax' })).status).toBe(400);
  });

  it('pages templates per locale and shows the built-in defaults; tenants never see each other', async () => {
    const a = `t-${uuidv7()}`;
    const b = `t-${uuidv7()}`;
    for (const locale of ['en', 'fr', 'de']) expect((await put(a, '/welcome/sms', { locale, text: `${locale} {{name}}` })).status).toBe(201);
    const first = await list(a, { limit: '2' });
    expect(first.body.items.map((t) => t.locale)).toEqual(['de', 'en']);
    expect(first.body.defaults).toHaveLength(TEMPLATE_KEYS.length * 2);
    const second = await list(a, { limit: '2', cursor: first.body.nextCursor! });
    expect(second.body).toMatchObject({ items: [{ locale: 'fr' }], nextCursor: null });
    expect((await list(a, { locale: 'fr', channel: 'sms' })).body).toMatchObject({ items: [{ text: 'fr {{name}}' }], defaults: [] });
    expect((await list(b)).body.items).toEqual([]);
  });

  it('enforces roles: upsert and message-list need admin, template-list staff', async () => {
    const tenant = `t-${uuidv7()}`;
    expect(await put(tenant, '/welcome/email', { subject: 'x', text: 'x' }, ['staff'])).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
    expect((await list(tenant, {}, ['customer'])).status).toBe(403);
    expect((await invoke(fns.messages!, { token: await token(tenant, ['staff']) })).status).toBe(403);
    expect((await invoke(fns.messages!, {})).status).toBe(401);
  });

  it('pages messages newest first and filters them by state and channel', async () => {
    const { messageStore } = await import('../../../functions/notification/repository');
    const { messageIdOf, startAttempt, markSent, markFailed } = await import('../../../functions/notification/rules');
    const store = await messageStore();
    const tenant = `t-${uuidv7()}`;
    const now = new Date();
    const eventIds = [uuidv7(), uuidv7(), uuidv7()];
    for (const [n, eventId] of eventIds.entries()) {
      const channel = n === 1 ? 'sms' : 'email';
      const attempt = startAttempt(
        undefined,
        {
          id: messageIdOf(eventId, channel),
          tenantId: tenant,
          eventId,
          eventType: 'auth.code.issued.v1',
          templateKey: 'login-2fa',
          channel,
          locale: 'en',
          to: 'a@b.c',
          subject: null,
          body: 'b',
        },
        now,
      )!;
      expect(await store.insert(attempt)).toBe(true);
      expect(await store.insert(attempt)).toBe(false);
      const done = n === 2 ? markFailed(attempt, 'down', now) : markSent(attempt, `p${n}`, now);
      expect(await store.transition(done, { state: 'pending', attempts: 1 })).toBe(true);
      expect(await store.transition(done, { state: 'pending', attempts: 1 })).toBe(false);
    }
    const auth = await token(tenant, ['admin']);
    const page = (query: Record<string, string>) => invoke<{ items: { eventId: string }[]; nextCursor: string | null }>(fns.messages!, { token: auth, query });
    const first = await page({ limit: '2' });
    expect(first.body.items.map((m) => m.eventId)).toEqual([eventIds[2], eventIds[1]]);
    expect((await page({ limit: '2', cursor: first.body.nextCursor! })).body).toEqual({
      items: [expect.objectContaining({ eventId: eventIds[0] })],
      nextCursor: null,
    });
    expect((await page({ state: 'failed' })).body.items.map((m) => m.eventId)).toEqual([eventIds[2]]);
    expect((await page({ channel: 'sms' })).body.items.map((m) => m.eventId)).toEqual([eventIds[1]]);
    expect((await page({ state: 'bogus' })).status).toBe(400);
    const other = await invoke<{ items: unknown[] }>(fns.messages!, { token: await token(`t-${uuidv7()}`, ['admin']) });
    expect(other.body.items).toEqual([]);
  });
});
