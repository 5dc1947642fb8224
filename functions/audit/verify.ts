import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { chainVerifier, type Verdict } from './chain';
import { auditStore, type AuditStore } from './store';

const verdict = z.union([
  z.object({ valid: z.literal(true), checked: z.number(), headSeq: z.number(), headHash: z.string() }),
  z.object({
    valid: z.literal(false),
    checked: z.number(),
    brokenAt: z.number(),
    reason: z.enum(['altered', 'missing', 'relinked', 'truncated']),
    eventId: z.string().optional(),
    detail: z.string(),
  }),
]);

const BATCH = 500;

/** Walks the tenant's whole chain in batches and says whether, and where, it is broken. */
export const makeVerifyChain =
  (deps: { store: AuditStore }) =>
  async (tenantId: string): Promise<Verdict> => {
    const verifier = chainVerifier();
    const { seq: headSeq } = await deps.store.head(tenantId);
    let afterSeq = 0;
    for (;;) {
      const batch = await deps.store.scan(tenantId, afterSeq, BATCH);
      for (const entry of batch) {
        const broken = verifier.add(entry);
        if (broken) return broken;
      }
      if (batch.length < BATCH) return verifier.finish(headSeq);
      afterSeq = batch[batch.length - 1]!.seq;
    }
  };

export default defineHttp(
  {
    name: 'audit-verify',
    method: 'POST',
    summary: "Verify the tenant's audit hash chain",
    tags: ['audit'],
    auth: 'admin',
    response: { status: 200, schema: verdict, description: 'Whether the chain is intact, and where it breaks if not' },
  },
  async ({ tenantId }) => ({ body: await makeVerifyChain({ store: await auditStore() })(tenantId) }),
);
