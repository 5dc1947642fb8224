import { randomBytes } from 'node:crypto';
import { seal, unseal } from '../../../layers/sealing';
import type { DeliverDeps } from '../../../functions/notification/deliver';
import type { EmailMessage } from '../../../functions/notification/email';
import type { MessageStore, StoredTemplate, TemplateStore } from '../../../functions/notification/repository';
import { templateIdOf, type MessageRecord } from '../../../functions/notification/rules';

/** In-memory stores with the ports' semantics (tenant-scoped, conditional transitions). */
export const memoryTemplateStore = (): TemplateStore & { rows: Map<string, StoredTemplate> } => {
  const rows = new Map<string, StoredTemplate>();
  return {
    rows,
    async get(tenantId, key, channel, locale) {
      return rows.get(templateIdOf(tenantId, key, channel, locale));
    },
    async upsert({ tenantId, key, channel, input, userId, now }) {
      const id = templateIdOf(tenantId, key, channel, input.locale);
      const existing = rows.get(id);
      const { locale, ...content } = input;
      const template: StoredTemplate = {
        tenantId,
        key,
        channel,
        locale,
        ...content,
        version: (existing?.version ?? 0) + 1,
        createdAt: existing?.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
        updatedBy: userId,
      };
      rows.set(id, template);
      return { template, created: !existing };
    },
    async list(tenantId, filter, { after, limit }) {
      return [...rows.entries()]
        .filter(([id, t]) => t.tenantId === tenantId && (!after || id > after))
        .filter(
          ([, t]) =>
            (!filter.key || t.key === filter.key) && (!filter.channel || t.channel === filter.channel) && (!filter.locale || t.locale === filter.locale),
        )
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .slice(0, limit)
        .map(([, t]) => t);
    },
  };
};

export const memoryMessageStore = (): MessageStore & { rows: Map<string, MessageRecord> } => {
  const rows = new Map<string, MessageRecord>();
  return {
    rows,
    async get(tenantId, id) {
      const row = rows.get(id);
      return row && row.tenantId === tenantId ? structuredClone(row) : undefined;
    },
    async insert(record) {
      if (rows.has(record.id)) return false;
      rows.set(record.id, structuredClone(record));
      return true;
    },
    async transition(next, expected) {
      const row = rows.get(next.id);
      if (!row || row.tenantId !== next.tenantId || row.state !== expected.state || row.attempts !== expected.attempts) return false;
      rows.set(next.id, structuredClone(next));
      return true;
    },
    async list(tenantId, filter, { before, limit }) {
      return [...rows.values()]
        .filter((m) => m.tenantId === tenantId && (!before || m.id < before))
        .filter((m) => (!filter.state || m.state === filter.state) && (!filter.channel || m.channel === filter.channel))
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, limit);
    },
  };
};

export const sealingKey = (): Uint8Array => randomBytes(32);

/** Senders that record what they were asked to send, and fail while `failing` is set. */
export const recordingSenders = () => {
  const emails: EmailMessage[] = [];
  const texts: { to: string; text: string }[] = [];
  const state = { failing: undefined as Error | undefined };
  return {
    emails,
    texts,
    state,
    email: {
      async send(message: EmailMessage) {
        if (state.failing) throw state.failing;
        emails.push(message);
        return { providerId: `<m${emails.length}@test>` };
      },
    },
    sms: {
      async send(to: string, text: string) {
        if (state.failing) throw state.failing;
        texts.push({ to, text });
        return { providerId: `sms-${texts.length}` };
      },
    },
  };
};

/** Deliver deps over memory stores, recording senders and a real sealing key. */
export const memoryDeliverDeps = (now = () => new Date('2030-01-01T10:00:00.000Z')) => {
  const key = sealingKey();
  const templates = memoryTemplateStore();
  const messages = memoryMessageStore();
  const senders = recordingSenders();
  const deps: DeliverDeps = { templates, messages, email: senders.email, sms: senders.sms, unseal: (sealed) => unseal(sealed, key), now };
  return { deps, templates, messages, senders, seal: (plaintext: string) => seal(plaintext, key) };
};
