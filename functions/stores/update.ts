import { NotFoundError, PreconditionFailedError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { etagOf, versionFromEtag } from '../../layers/http/versioning';
import { storeDeps, type StoreDeps } from './deps';
import { storeUpdated } from './events';
import { applyPatch, assertVersion, forViewer, snapshotOf, toStore } from './rules';
import { idParams, ifMatchHeaders, store, storePatch, type Store, type StorePatch } from './schemas';

// Schemas: `storePatch` body (name and/or theme parts), `idParams`, `If-Match` header in; `store` out.

/** Renames a store or changes parts of its theme, at the version the client last read. */
export const makeUpdateStore =
  (deps: Pick<StoreDeps, 'stores' | 'now' | 'nudge'>) =>
  async (tenantId: string, id: string, expectedVersion: number, patch: StorePatch): Promise<Store> => {
    const current = await deps.stores.get(tenantId, id);
    if (!current) throw new NotFoundError('store', id);
    assertVersion(current, expectedVersion);
    const next = applyPatch(current, patch, deps.now());
    const event = storeUpdated.create({ subject: id, tenantId, data: snapshotOf(next), source: 'stores-update' });
    if (!(await deps.stores.replace(next, expectedVersion, [event]))) {
      throw new PreconditionFailedError('The store changed while this update was applied; read it again.');
    }
    deps.nudge(id);
    return toStore(next);
  };

export default defineHttp(
  {
    name: 'stores-update',
    method: 'PATCH',
    path: '/{id}',
    summary: 'Rename a store or change its theme (If-Match required)',
    description: 'Managers and above. Theme parts left out keep their current values.',
    tags: ['stores'],
    auth: 'manager',
    request: { params: idParams, headers: ifMatchHeaders, body: storePatch },
    response: { status: 200, schema: store, description: 'The updated store' },
    errors: [404, 412],
  },
  async ({ params, headers, body, tenantId, actor }, context) => {
    const updated = await makeUpdateStore(await storeDeps(context.log))(tenantId, params.id, versionFromEtag(headers['if-match']), body);
    return { body: forViewer(updated, actor), headers: { etag: etagOf(updated.version) } };
  },
);
