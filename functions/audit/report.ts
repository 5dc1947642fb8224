import { z } from 'zod';
import { BadRequestError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import type { PeriodCount } from './store';
import { auditStore, type AuditStore } from './store';

const reportQuery = z
  .object({
    from: z.string().datetime({ offset: true }),
    to: z.string().datetime({ offset: true }),
    granularity: z.enum(['day', 'hour']).default('day'),
  })
  .strict();

const report = z.object({
  from: z.string(),
  to: z.string(),
  granularity: z.enum(['day', 'hour']),
  total: z.number(),
  byType: z.record(z.string(), z.number()),
  byPeriod: z.array(z.object({ period: z.string(), total: z.number(), byType: z.record(z.string(), z.number()) })),
});

type Report = z.infer<typeof report>;

const MAX_RANGE_DAYS = 366;

/** Folds raw (type, period) counts into totals by type and by period, periods in order. */
export const summarise = (rows: PeriodCount[], meta: Pick<Report, 'from' | 'to' | 'granularity'>): Report => {
  const byType: Record<string, number> = {};
  const periods = new Map<string, Record<string, number>>();
  for (const { type, period, count } of rows) {
    byType[type] = (byType[type] ?? 0) + count;
    const bucket = periods.get(period) ?? {};
    bucket[type] = (bucket[type] ?? 0) + count;
    periods.set(period, bucket);
  }
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    ...meta,
    total: sum(byType),
    byType,
    byPeriod: [...periods.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([period, counts]) => ({ period, total: sum(counts), byType: counts })),
  };
};

/** Counts of the tenant's events by type and by day or hour, for compliance reporting. */
export const makeAuditReport =
  (deps: { store: AuditStore }) =>
  async (tenantId: string, query: z.infer<typeof reportQuery>): Promise<Report> => {
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (from >= to) throw new BadRequestError('`from` must be before `to`.', 'invalid_range');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
      throw new BadRequestError(`A report spans at most ${MAX_RANGE_DAYS} days.`, 'range_too_long');
    }
    const range = { from: from.toISOString(), to: to.toISOString() };
    const rows = await deps.store.countByTypeAndPeriod(tenantId, range, query.granularity);
    return summarise(rows, { ...range, granularity: query.granularity });
  };

export default defineHttp(
  {
    name: 'audit-report',
    method: 'GET',
    summary: 'Event counts by type and period',
    tags: ['audit'],
    auth: 'admin',
    request: { query: reportQuery },
    response: { status: 200, schema: report, description: 'Counts by type and by period' },
  },
  async ({ query, tenantId }) => ({ body: await makeAuditReport({ store: await auditStore() })(tenantId, query) }),
);
