import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import type { ChainEntry } from './chain';
import { auditStore, type AuditStore } from './store';

const isoTime = z.string().datetime({ offset: true });

const queryParams = z
  .object({
    type: z
      .string()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+){2,3}$/)
      .optional(),
    subject: z
      .string()
      .regex(/^[A-Za-z0-9_:-]{1,128}$/)
      .optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^\d{1,12}$/)
      .optional(),
  })
  .strict();

const entry = z.object({
  seq: z.number(),
  eventId: z.string(),
  type: z.string(),
  source: z.string(),
  subject: z.string(),
  time: z.string(),
  data: z.unknown(),
  hash: z.string(),
  prevHash: z.string(),
});

const auditPage = z.object({ items: z.array(entry), nextCursor: z.string().nullable() });

const present = ({ tenantId: _tenant, data, ...rest }: ChainEntry) => ({ ...rest, data: JSON.parse(data) as unknown });

/** The tenant's audit entries in chain order, filtered, one page at a time (cursor = last seq). */
export const makeQueryAudit =
  (deps: { store: AuditStore }) =>
  async (tenantId: string, query: z.infer<typeof queryParams>): Promise<z.infer<typeof auditPage>> => {
    const toIso = (t?: string) => (t ? new Date(t).toISOString() : undefined);
    const fetched = await deps.store.scan(tenantId, Number(query.cursor ?? 0), query.limit + 1, {
      type: query.type,
      subject: query.subject,
      from: toIso(query.from),
      to: toIso(query.to),
    });
    const more = fetched.length > query.limit;
    const items = (more ? fetched.slice(0, query.limit) : fetched).map(present);
    return { items, nextCursor: more ? String(items[items.length - 1]!.seq) : null };
  };

export default defineHttp(
  {
    name: 'audit-query',
    method: 'GET',
    summary: "Query the tenant's audit log",
    tags: ['audit'],
    auth: 'admin',
    request: { query: queryParams },
    response: { status: 200, schema: auditPage, description: 'A page of audit entries' },
  },
  async ({ query, tenantId }) => ({ body: await makeQueryAudit({ store: await auditStore() })(tenantId, query) }),
);
