import { defineHttp } from '../../layers/http/define';
import { etagOf } from '../../layers/http/versioning';
import { storeDeps, type StoreDeps } from './deps';
import { storeCreated } from './events';
import { buildStore, snapshotOf, toStore } from './rules';
import { store, storeInput, type Store, type StoreInput } from './schemas';

// Schemas: `storeInput` in, `store` out (./schemas).

/**
 * Creates a store within the tenant's plan: the `stores` allowance is reserved first (403
 * `plan_limit_exceeded` at the limit, nothing written) and given back when the write fails.
 */
export const makeCreateStore =
  (deps: Pick<StoreDeps, 'stores' | 'quota' | 'newId' | 'now' | 'nudge'>) =>
  async (input: StoreInput, tenantId: string): Promise<Store> => {
    const created = buildStore(input, { id: deps.newId(), tenantId, now: deps.now() });
    await deps.quota.reserve(tenantId);
    try {
      await deps.stores.insert(created, [storeCreated.create({ subject: created.id, tenantId, data: snapshotOf(created), source: 'stores-create' })]);
    } catch (error) {
      await deps.quota.release(tenantId);
      throw error;
    }
    deps.nudge(created.id);
    return toStore(created);
  };

export default defineHttp(
  {
    name: 'stores-create',
    method: 'POST',
    summary: 'Create a store (counts against the plan)',
    description: "Admins and above: a store takes one of the plan's store slots. 403 `plan_limit_exceeded` names the limit; 409 `slug_taken`.",
    tags: ['stores'],
    auth: 'admin',
    idempotent: true,
    request: { body: storeInput },
    response: { status: 201, schema: store, description: 'The created store' },
    errors: [403, 409],
  },
  async ({ body, tenantId }, context) => {
    const created = await makeCreateStore(await storeDeps(context.log))(body, tenantId);
    return { body: created, headers: { etag: etagOf(created.version), location: `/function/stores-get/${created.id}` } };
  },
);
