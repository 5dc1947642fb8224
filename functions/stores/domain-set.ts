import { NotFoundError, PreconditionFailedError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { etagOf, versionFromEtag } from '../../layers/http/versioning';
import { storeDeps, type StoreDeps } from './deps';
import { storeUpdated } from './events';
import { DOMAIN_ROLE, assertVersion, domainTaken, normaliseHostname, snapshotOf, toStore, withDomain } from './rules';
import { domainBody, idParams, ifMatchHeaders, store, type Store } from './schemas';

// Schemas: `domainBody` ({ domain: hostname | null }), `idParams`, `If-Match` header in; `store` out,
// whose `domainChallenge` is the TXT record to publish before calling stores-domain-verify.

/**
 * A claim older than this whose store does not hold its domain is a leftover of a request that
 * died between claiming and writing the store (or between writing and freeing the old domain):
 * it may be taken over. Far longer than any request may run (stack.yml: 10 s).
 */
export const CLAIM_GRACE_MS = 60_000;

type Deps = Pick<StoreDeps, 'stores' | 'domains' | 'newToken' | 'now' | 'nudge' | 'log'>;

/** Takes `domain` for the store, or throws 409 `domain_taken` when another store holds it. */
const claimDomain = async (deps: Deps, tenantId: string, storeId: string, domain: string): Promise<void> => {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await deps.domains.claim({ domain, tenantId, storeId, claimedAt: deps.now() });
    if (result.claimed) return;
    const { holder } = result;
    if (!holder) continue; // freed meanwhile
    if (holder.tenantId === tenantId && holder.storeId === storeId) return; // ours, from an earlier attempt
    // Whether the holder's store still uses the domain: read in the holder's own tenant scope,
    // only to decide staleness; nothing of it reaches the caller.
    const holding = await deps.stores.get(holder.tenantId, holder.storeId);
    const stale = deps.now().getTime() - holder.claimedAt.getTime() > CLAIM_GRACE_MS && holding?.domain !== domain;
    if (!stale) {
      throw holder.tenantId === tenantId ? domainTaken(domain, `The domain ${domain} is already used by another of your stores.`) : domainTaken(domain);
    }
    await deps.domains.evict(holder);
  }
  throw domainTaken(domain);
};

/**
 * Sets (or, with `null`, removes) a store's custom domain. The domain is claimed platform-wide
 * first, then the store is written with a fresh challenge token and verification reset, then
 * the old domain is freed. Setting the domain the store already has changes nothing.
 */
export const makeSetDomain =
  (deps: Deps) =>
  async (tenantId: string, id: string, expectedVersion: number, requested: string | null): Promise<Store> => {
    const domain = requested === null ? null : normaliseHostname(requested);
    const current = await deps.stores.get(tenantId, id);
    if (!current) throw new NotFoundError('store', id);
    assertVersion(current, expectedVersion);
    if (current.domain === domain) return toStore(current);

    if (domain) await claimDomain(deps, tenantId, id, domain);
    const next = withDomain(current, domain, deps.newToken(), deps.now());
    const event = storeUpdated.create({ subject: id, tenantId, data: snapshotOf(next), source: 'stores-domain-set' });
    if (!(await deps.stores.replace(next, expectedVersion, [event]))) {
      // The claim stays: the request that won may have set this very domain on the strength of
      // it. If the store ends up without the domain, the claim goes stale and is taken over.
      throw new PreconditionFailedError('The store changed while its domain was set; read it again.');
    }
    deps.nudge(id);
    if (current.domain) {
      try {
        await deps.domains.release({ domain: current.domain, tenantId, storeId: id });
      } catch (error) {
        // The store is written; a claim left behind is taken over once CLAIM_GRACE_MS has passed.
        deps.log.warn({ err: error, domain: current.domain, storeId: id }, 'stores-domain-set: old domain claim not freed');
      }
    }
    return toStore(next);
  };

export default defineHttp(
  {
    name: 'stores-domain-set',
    method: 'PUT',
    path: '/{id}',
    summary: "Set or remove a store's custom domain (If-Match required)",
    description:
      'Admins and above. Answers the store with `domainChallenge`: publish that TXT record, then call stores-domain-verify. ' +
      '409 `domain_taken` when another store (of any tenant) holds the domain. Changing the domain resets verification.',
    tags: ['stores'],
    auth: DOMAIN_ROLE,
    request: { params: idParams, headers: ifMatchHeaders, body: domainBody },
    response: { status: 200, schema: store, description: 'The store with its domain and the challenge to publish' },
    errors: [404, 409, 412],
  },
  async ({ params, headers, body, tenantId }, context) => {
    const updated = await makeSetDomain(await storeDeps(context.log))(tenantId, params.id, versionFromEtag(headers['if-match']), body.domain);
    return { body: updated, headers: { etag: etagOf(updated.version) } };
  },
);
