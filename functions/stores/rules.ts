import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { Actor } from '../../layers/auth/types';
import { AppError, ConflictError, PreconditionFailedError, ServiceUnavailableError, UnprocessableError, isAppError } from '../../layers/errors';
import { hasRole } from '../../layers/rbac';
import type { Store, StoreInput, StorePatch, Theme, ThemeInput } from './schemas';

/** Pure store rules: no I/O; ids, tokens and the clock are passed in. */

/** The store as kept: the API shape without the derived challenge, plus the challenge token. */
export interface StoreState extends Omit<Store, 'domainChallenge'> {
  /** Published by the tenant in DNS to prove control of `domain`; null when no domain is set. */
  challengeToken: string | null;
}

// ---------------------------------------------------------------------------- hostnames

const MAX_HOSTNAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** Special-use names (RFC 6761, 6762, 7686, 9476 and ICANN's `.internal`) that no public DNS serves. */
const RESERVED_TLDS = new Set(['localhost', 'local', 'invalid', 'test', 'example', 'internal', 'onion', 'arpa', 'alt']);

export type HostnameResult = { ok: true; domain: string } | { ok: false; reason: string };

/**
 * A custom domain as stored: lower case, without the root's trailing dot, IDNs in punycode.
 * Refuses IP literals, wildcards, single labels, special-use names and anything over the DNS
 * limits (253 characters, 63 per label).
 */
export const parseHostname = (raw: string): HostnameResult => {
  const fail = (reason: string): HostnameResult => ({ ok: false, reason });
  let name = raw.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0) return fail('a domain name is required');
  if (name.includes('*')) return fail('wildcard domains are not supported: name one host, e.g. shop.example.com');
  if (isIP(name) !== 0 || isIP(name.replace(/^\[|\]$/g, '')) !== 0) return fail('an IP address is not a domain name');
  if (/[^\p{ASCII}]/u.test(name)) {
    // An internationalised name: its ASCII form is what DNS serves ('' when it has none).
    const ascii = domainToASCII(name);
    if (!ascii) return fail('not a valid internationalised domain name');
    name = ascii;
  }
  if (name.length > MAX_HOSTNAME) return fail(`at most ${MAX_HOSTNAME} characters`);
  const labels = name.split('.');
  if (labels.length < 2) return fail('a fully qualified domain name is required, e.g. shop.example.com');
  for (const label of labels) {
    if (label.length === 0) return fail('empty label (two dots in a row)');
    if (label.length > MAX_LABEL) return fail(`each label holds at most ${MAX_LABEL} characters`);
    if (!LABEL.test(label)) return fail(`label "${label}": letters, digits and inner hyphens only`);
  }
  const tld = labels[labels.length - 1]!;
  if (/^[0-9]+$/.test(tld)) return fail('the top-level label cannot be numeric');
  if (RESERVED_TLDS.has(tld)) return fail(`.${tld} is a special-use name that public DNS does not serve`);
  return { ok: true, domain: name };
};

/** The validation message for a domain, or undefined when it is acceptable. */
export const hostnameProblem = (raw: string): string | undefined => {
  const result = parseHostname(raw);
  return result.ok ? undefined : result.reason;
};

/** The normalised domain of input that passed `hostnameProblem`. */
export const normaliseHostname = (raw: string): string => {
  const result = parseHostname(raw);
  if (!result.ok) throw new UnprocessableError(`Invalid domain: ${result.reason}.`, 'invalid_domain');
  return result.domain;
};

/** Logos are fetched by every shopper's browser: https only, no credentials in the URL. */
export const httpsUrlProblem = (raw: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'https:') return 'an https:// URL is required';
  if (url.username || url.password) return 'credentials are not allowed in the URL';
  return url.hostname ? undefined : 'the URL needs a host';
};

// ---------------------------------------------------------------------------- themes

export const DEFAULT_THEME: Theme = Object.freeze({
  colors: Object.freeze({ primary: '#1f6feb', secondary: '#8250df', background: '#ffffff', text: '#1f2328' }),
  font: 'Inter',
  logoUrl: null,
  layout: 'classic',
}) as Theme;

/** `#ABC` → `#aabbcc`; `#A1B2C3` → `#a1b2c3`. */
export const normaliseColor = (hex: string): string => {
  const digits = hex.slice(1).toLowerCase();
  return `#${digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits}`;
};

/** Merges the given parts of a theme over `base`; colours normalised. */
export const mergeTheme = (base: Theme, input: ThemeInput = {}): Theme => {
  const colors = { ...base.colors };
  for (const [key, value] of Object.entries(input.colors ?? {})) {
    if (value !== undefined) colors[key as keyof Theme['colors']] = normaliseColor(value);
  }
  return {
    colors,
    font: input.font ?? base.font,
    logoUrl: input.logoUrl === undefined ? base.logoUrl : input.logoUrl,
    layout: input.layout ?? base.layout,
  };
};

// ---------------------------------------------------------------------------- store states

export const buildStore = (input: StoreInput, meta: { id: string; tenantId: string; now: Date }): StoreState => {
  const at = meta.now.toISOString();
  return {
    id: meta.id,
    tenantId: meta.tenantId,
    name: input.name,
    slug: input.slug ?? null,
    theme: mergeTheme(DEFAULT_THEME, input.theme),
    domain: null,
    domainVerified: false,
    domainVerifiedAt: null,
    challengeToken: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

const bump = (current: StoreState, now: Date): Pick<StoreState, 'version' | 'updatedAt'> => ({ version: current.version + 1, updatedAt: now.toISOString() });

export const applyPatch = (current: StoreState, patch: StorePatch, now: Date): StoreState => ({
  ...current,
  name: patch.name ?? current.name,
  theme: mergeTheme(current.theme, patch.theme),
  ...bump(current, now),
});

/** A new (or no) domain: verification starts over with a fresh token. */
export const withDomain = (current: StoreState, domain: string | null, token: string, now: Date): StoreState => ({
  ...current,
  domain,
  domainVerified: false,
  domainVerifiedAt: null,
  challengeToken: domain === null ? null : token,
  ...bump(current, now),
});

export const markVerified = (current: StoreState, now: Date): StoreState => ({
  ...current,
  domainVerified: true,
  domainVerifiedAt: now.toISOString(),
  ...bump(current, now),
});

/** What the events carry (functions/stores/events.ts). */
export const snapshotOf = (s: StoreState) => ({ id: s.id, name: s.name, domain: s.domain, domainVerified: s.domainVerified, version: s.version });

export const toStore = (s: StoreState): Store => {
  const { challengeToken, ...rest } = s;
  return { ...rest, domainChallenge: s.domain && !s.domainVerified && challengeToken ? challengeRecord(s.domain, challengeToken) : null };
};

/** Who may set and verify a store's domain, and so sees its pending challenge. */
export const DOMAIN_ROLE = 'admin' as const;

/** The store as `actor` may see it: the challenge only for those who can act on it. */
export const forViewer = (store: Store, actor: Actor): Store => (hasRole(actor, DOMAIN_ROLE) ? store : { ...store, domainChallenge: null });

export const assertVersion = (current: StoreState, expected: number): void => {
  if (current.version !== expected) {
    throw new PreconditionFailedError(`The store is at version ${current.version}, not ${expected}.`, { currentVersion: current.version });
  }
};

// ---------------------------------------------------------------------------- domain challenge

export const CHALLENGE_LABEL = '_marketplace-challenge';
export const CHALLENGE_PREFIX = 'mp-verify=';

export const challengeRecord = (domain: string, token: string) => ({
  type: 'TXT' as const,
  name: `${CHALLENGE_LABEL}.${domain}`,
  value: `${CHALLENGE_PREFIX}${token}`,
});

/**
 * Whether any TXT record holds `mp-verify=<token>`. A TXT record is a list of character-strings
 * of at most 255 bytes each; DNS hosts split longer values, and the value is their concatenation.
 */
export const matchesChallenge = (records: readonly (readonly string[])[], token: string): boolean =>
  records.some((chunks) => chunks.join('').trim() === `${CHALLENGE_PREFIX}${token}`);

/** Resolver answers that mean "no such record" (NXDOMAIN, or the name exists without TXT data). */
const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA']);

export const isNotFoundAnswer = (error: unknown): boolean => NOT_FOUND_CODES.has((error as { code?: unknown } | null)?.code as string);

export const DNS_RETRY_AFTER_SECONDS = 5;

/**
 * The problem a failed TXT lookup becomes: a missing record is the client's to fix (422);
 * a resolver that timed out, refused or failed is ours to retry (503 with Retry-After).
 * Typed errors (the circuit breaker's 503s) pass through; an error without a DNS code is a bug.
 */
export const lookupFailure = (error: unknown, record: ReturnType<typeof challengeRecord>): unknown => {
  if (isAppError(error)) return error;
  if (isNotFoundAnswer(error)) return challengeNotFound(record);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new ServiceUnavailableError(`The DNS lookup of ${record.name} failed (${code}); retry later.`, 'dns_unavailable', DNS_RETRY_AFTER_SECONDS);
  }
  return error;
};

export const challengeNotFound = (record: ReturnType<typeof challengeRecord>): AppError =>
  new UnprocessableError(
    `No TXT record at ${record.name}: publish it, then verify again (DNS changes can take a while to appear).`,
    'domain_challenge_not_found',
    {
      record,
    },
  );

export const challengeMismatch = (record: ReturnType<typeof challengeRecord>, found: number): AppError =>
  new UnprocessableError(`The TXT records at ${record.name} do not hold ${record.value}.`, 'domain_challenge_mismatch', { record, recordsFound: found });

export const domainTaken = (domain: string, detail = `The domain ${domain} is already used by another store.`): AppError =>
  new ConflictError(detail, 'domain_taken', { domain });

// ---------------------------------------------------------------------------- resolver configuration

/**
 * `DNS_SERVERS`: a comma-separated list of `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port`, as
 * node's `Resolver#setServers` takes them (addresses only: a resolver cannot resolve its own
 * resolver's name). Returns the entries, or the problem with the first bad one.
 */
export const parseDnsServers = (raw: string): { ok: true; servers: string[] } | { ok: false; reason: string } => {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return { ok: false, reason: 'at least one server is required' };
  for (const entry of entries) {
    const match = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(entry) ?? /^([0-9.]+)(?::(\d{1,5}))?$/.exec(entry);
    const bareV6 = isIP(entry) === 6;
    if (!match && !bareV6) return { ok: false, reason: `${entry}: an IP address with an optional :port` };
    if (match) {
      const [, host, port] = match;
      if (isIP(host!) === 0) return { ok: false, reason: `${entry}: ${host} is not an IP address` };
      if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) return { ok: false, reason: `${entry}: port out of range` };
    }
  }
  return { ok: true, servers: entries };
};
