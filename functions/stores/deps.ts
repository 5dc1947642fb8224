import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { circuitBreaker } from '../../layers/circuit-breaker';
import { baseConfigSchema, loadConfig } from '../../layers/config';
import { isAppError } from '../../layers/errors';
import { nudgeOutbox } from '../../layers/events/outbox';
import type { Logger } from '../../layers/logger';
import { releaseQuota, reserveQuota } from '../../layers/plans/quota';
import { storeCreated } from './events';
import { domainRegistry, storeRepository, type DomainRegistry, type StoreRepository } from './repository';
import { isNotFoundAnswer, parseDnsServers } from './rules';

/** Looks up TXT records: each record is the list of its character-strings, as DNS carries them. */
export interface DomainResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/** What stores operations need from the outside world; handlers wire the real ones. */
export interface StoreDeps {
  stores: StoreRepository;
  domains: DomainRegistry;
  /** The tenant's `stores` allowance (layers/plans): reserve throws `PlanLimitError` at the limit. */
  quota: { reserve(tenantId: string): Promise<void>; release(tenantId: string): Promise<void> };
  newId: () => string;
  /** A domain challenge token: unguessable, and safe in a TXT record. */
  newToken: () => string;
  now: () => Date;
  /** Wakes the outbox relay to drain the store just written; best effort, the relay also sweeps. */
  nudge: (id: string) => void;
  log: Pick<Logger, 'warn'>;
}

/** The stores functions' configuration: the base plus where and how to ask DNS. */
export const storesConfigSchema = baseConfigSchema.extend({
  /** Resolvers for domain challenges (`ip[:port]`, comma-separated); the system's when unset. */
  DNS_SERVERS: z
    .string()
    .superRefine((value, ctx) => {
      const parsed = parseDnsServers(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    })
    .optional(),
  /** Per-attempt timeout of a DNS query, in milliseconds. */
  DNS_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(2_000),
  DNS_TRIES: z.coerce.number().int().min(1).max(4).default(2),
});

/**
 * The resolver adapter: node's c-ares `Resolver` on the configured servers, behind the `dns`
 * circuit breaker. "No such record" is an answer, not a failure, so it never trips the breaker.
 */
export const dnsResolver = (config: Pick<z.infer<typeof storesConfigSchema>, 'DNS_SERVERS' | 'DNS_TIMEOUT_MS' | 'DNS_TRIES'>): DomainResolver => {
  const resolver = new Resolver({ timeout: config.DNS_TIMEOUT_MS, tries: config.DNS_TRIES });
  if (config.DNS_SERVERS) {
    const parsed = parseDnsServers(config.DNS_SERVERS);
    if (parsed.ok) resolver.setServers(parsed.servers);
  }
  const resolveTxt = circuitBreaker('dns', (name: string) => resolver.resolveTxt(name), {
    // c-ares gives up after its own tries; the breaker only guards against a hang beyond them.
    timeout: config.DNS_TIMEOUT_MS * config.DNS_TRIES + 1_000,
    errorFilter: (error) => isNotFoundAnswer(error) || (isAppError(error) && error.isClientError),
  });
  return { resolveTxt };
};

/** The resolver of a function instance, from its cold-start configuration (a bad DNS_SERVERS fails the cold start). */
export const configuredResolver = (): DomainResolver => dnsResolver(loadConfig(storesConfigSchema));

export const storeDeps = async (log: Pick<Logger, 'warn'>): Promise<StoreDeps> => {
  const [stores, domains] = await Promise.all([storeRepository(), domainRegistry()]);
  return {
    stores,
    domains,
    quota: {
      reserve: async (tenantId) => void (await reserveQuota(tenantId, 'stores')),
      release: async (tenantId) => void (await releaseQuota(tenantId, 'stores')),
    },
    newId: uuidv7,
    newToken: () => randomBytes(24).toString('base64url'),
    now: () => new Date(),
    nudge: (id) => nudgeOutbox({ ...storeCreated.aggregate, id }),
    log,
  };
};
