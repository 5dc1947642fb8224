import { ConflictError, NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { etagOf } from '../../layers/http/versioning';
import { configuredResolver, storeDeps, type DomainResolver, type StoreDeps } from './deps';
import { domainVerified, storeUpdated } from './events';
import {
  DOMAIN_ROLE,
  challengeMismatch,
  challengeNotFound,
  challengeRecord,
  lookupFailure,
  markVerified,
  matchesChallenge,
  snapshotOf,
  toStore,
} from './rules';
import { idParams, store, type Store } from './schemas';

// Schemas: `idParams` in (no body); `store` out.

/**
 * Checks the store's DNS challenge: the TXT record `_marketplace-challenge.<domain>` must hold
 * `mp-verify=<token>`. On a match the store is marked verified with its `domainVerified` and
 * `storeUpdated` events in one write; a missing or wrong record is 422 and changes nothing; a
 * resolver that fails or times out is 503 with Retry-After. A verified store answers as it is.
 */
export const makeVerifyDomain =
  (deps: Pick<StoreDeps, 'stores' | 'now' | 'nudge'> & { resolver: DomainResolver }) =>
  async (tenantId: string, id: string): Promise<Store> => {
    const current = await deps.stores.get(tenantId, id);
    if (!current) throw new NotFoundError('store', id);
    if (!current.domain || !current.challengeToken) {
      throw new ConflictError('The store has no custom domain: set one with stores-domain-set first.', 'domain_not_set');
    }
    if (current.domainVerified) return toStore(current);

    const record = challengeRecord(current.domain, current.challengeToken);
    let records: string[][];
    try {
      records = await deps.resolver.resolveTxt(record.name);
    } catch (error) {
      throw lookupFailure(error, record);
    }
    if (records.length === 0) throw challengeNotFound(record);
    if (!matchesChallenge(records, current.challengeToken)) throw challengeMismatch(record, records.length);

    const next = markVerified(current, deps.now());
    const source = 'stores-domain-verify';
    const events = [
      domainVerified.create({ subject: id, tenantId, data: { storeId: id, domain: current.domain }, source }),
      storeUpdated.create({ subject: id, tenantId, data: snapshotOf(next), source }),
    ];
    if (!(await deps.stores.replace(next, current.version, events))) {
      throw new ConflictError('The store changed while its domain was verified (its domain may have changed); read it and verify again.', 'store_changed');
    }
    deps.nudge(id);
    return toStore(next);
  };

/** Built at cold start from DNS_SERVERS, DNS_TIMEOUT_MS and DNS_TRIES. */
const resolver = configuredResolver();

export default defineHttp(
  {
    name: 'stores-domain-verify',
    method: 'POST',
    path: '/{id}',
    summary: "Verify a store's custom domain by its DNS TXT challenge",
    description:
      'Admins and above. 422 `domain_challenge_not_found` (no TXT record) or `domain_challenge_mismatch` (records without the token): nothing changes. ' +
      '503 `dns_unavailable` with Retry-After when the resolver fails. 409 `domain_not_set`.',
    tags: ['stores'],
    auth: DOMAIN_ROLE,
    request: { params: idParams },
    response: { status: 200, schema: store, description: 'The store, verified' },
    errors: [404, 409, 422, 503],
  },
  async ({ params, tenantId }, context) => {
    const verified = await makeVerifyDomain({ ...(await storeDeps(context.log)), resolver })(tenantId, params.id);
    return { body: verified, headers: { etag: etagOf(verified.version) } };
  },
);
