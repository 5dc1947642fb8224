import { NotFoundError, PreconditionFailedError } from '../../layers/errors';
import type { OutboxEntry } from '../../layers/events/outbox';
import type { ProductDeps } from './deps';
import { assertVersion } from './rules';
import type { Product } from './schemas';

/**
 * The shape every versioned product change shares: load, check the client's version,
 * compute the next state and its event, write both in one conditional document write.
 */
export const mutateProduct = async (
  deps: ProductDeps,
  target: { tenantId: string; id: string; expectedVersion: number },
  change: (current: Product, now: Date) => { next: Product; event: OutboxEntry },
): Promise<Product> => {
  const current = await deps.store.get(target.tenantId, target.id);
  if (!current) throw new NotFoundError('product', target.id);
  assertVersion(current, target.expectedVersion);
  const { next, event } = change(current, deps.now());
  if (!(await deps.store.replace(next, target.expectedVersion, [event]))) {
    throw new PreconditionFailedError('The product changed while this update was applied; read it again.');
  }
  deps.nudge(next.id);
  return next;
};
