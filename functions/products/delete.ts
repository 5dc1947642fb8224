import { NotFoundError, PreconditionFailedError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { productDeleted } from './events';
import { productDeps, type ProductDeps } from './deps';
import { assertVersion, versionFromEtag } from './rules';
import { idParams, ifMatchHeaders } from './schemas';

// Schemas: `idParams` and `If-Match` in; 204 out.

/**
 * Soft-deletes a product at the version the client last read, and gives its place in the
 * plan's allowance back. Once the delete is written, a failed release does not fail the
 * request: the count stays one high, the safe side, until a recount.
 */
export const makeDeleteProduct =
  (deps: ProductDeps) =>
  async (tenantId: string, id: string, expectedVersion: number): Promise<void> => {
    const current = await deps.store.get(tenantId, id);
    if (!current) throw new NotFoundError('product', id);
    assertVersion(current, expectedVersion);
    const event = productDeleted.create({
      subject: id,
      tenantId,
      data: { id, version: expectedVersion + 1 },
      source: 'products-delete',
    });
    if (!(await deps.store.markDeleted(tenantId, id, expectedVersion, [event], deps.now()))) {
      throw new PreconditionFailedError('The product changed while it was being deleted; read it again.');
    }
    deps.nudge(id);
    await deps.quota.release(tenantId).catch(() => undefined);
  };

export default defineHttp(
  {
    name: 'products-delete',
    method: 'DELETE',
    path: '/{id}',
    summary: 'Delete a product (soft delete, If-Match required)',
    tags: ['products'],
    auth: 'manager',
    request: { params: idParams, headers: ifMatchHeaders },
    response: { status: 204, description: 'Deleted' },
    errors: [404, 412],
  },
  async ({ params, headers, tenantId }) => {
    await makeDeleteProduct(await productDeps())(tenantId, params.id, versionFromEtag(headers['if-match']));
    return {};
  },
);
