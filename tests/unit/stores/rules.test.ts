import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THEME,
  applyPatch,
  buildStore,
  challengeRecord,
  forViewer,
  lookupFailure,
  markVerified,
  matchesChallenge,
  mergeTheme,
  normaliseColor,
  normaliseHostname,
  parseDnsServers,
  parseHostname,
  toStore,
  withDomain,
} from '../../../functions/stores/rules';
import { domainBody, storeInput, storePatch } from '../../../functions/stores/schemas';
import { ServiceUnavailableError } from '../../../layers/errors';

const dnsError = (code: string) => Object.assign(new Error(`queryTxt ${code}`), { code });

describe('custom domain names', () => {
  it.each([
    ['shop.example.com', 'shop.example.com'],
    ['  Shop.Example.COM.  ', 'shop.example.com'],
    ['a-b.c-d.co.uk', 'a-b.c-d.co.uk'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['bücher.de', 'xn--bcher-kva.de'],
    [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
    [`${Array.from({ length: 4 }, () => 'b'.repeat(61)).join('.')}.com`, `${Array.from({ length: 4 }, () => 'b'.repeat(61)).join('.')}.com`],
  ])('accepts %j as %s', (raw, domain) => {
    expect(parseHostname(raw)).toEqual({ ok: true, domain });
    expect(normaliseHostname(raw)).toBe(domain);
  });

  it.each([
    ['', /required/],
    ['.', /required/],
    ['*.example.com', /wildcard/],
    ['shop.*.com', /wildcard/],
    ['192.168.1.10', /IP address/],
    ['::1', /IP address/],
    ['[2001:db8::1]', /IP address/],
    ['1.2.3', /numeric/],
    ['localhost', /fully qualified/],
    ['shop', /fully qualified/],
    ['shop.localhost', /special-use/],
    ['printer.local', /special-use/],
    ['x.invalid', /special-use/],
    ['shop..example.com', /empty label/],
    ['-shop.example.com', /inner hyphens/],
    ['shop-.example.com', /inner hyphens/],
    ['shop_1.example.com', /inner hyphens/],
    ['shop example.com', /inner hyphens/],
    ['https://shop.example.com', /inner hyphens/],
    [`${'a'.repeat(64)}.com`, /63/],
    [`${Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.')}.com`, /253/],
  ])('refuses %j', (raw, reason) => {
    const result = parseHostname(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('refuses through the request schema with the reason, and allows null to detach', () => {
    const refused = domainBody.safeParse({ domain: '10.0.0.1' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/IP address/);
    expect(domainBody.parse({ domain: null })).toEqual({ domain: null });
    expect(domainBody.safeParse({ domain: 'shop.example.com', extra: 1 }).success).toBe(false);
    expect(() => normaliseHostname('*.x.com')).toThrow(expect.objectContaining({ status: 422, code: 'invalid_domain' }));
  });
});

describe('themes', () => {
  it('normalises colours to lower-case #rrggbb', () => {
    expect(normaliseColor('#ABC')).toBe('#aabbcc');
    expect(normaliseColor('#A1b2C3')).toBe('#a1b2c3');
  });

  it('merges the given parts over the base', () => {
    const merged = mergeTheme(DEFAULT_THEME, { colors: { primary: '#F00' }, font: 'Lato', logoUrl: 'https://cdn.example.com/logo.svg' });
    expect(merged).toEqual({
      ...DEFAULT_THEME,
      colors: { ...DEFAULT_THEME.colors, primary: '#ff0000' },
      font: 'Lato',
      logoUrl: 'https://cdn.example.com/logo.svg',
    });
    expect(mergeTheme(merged, { logoUrl: null, layout: 'grid' })).toMatchObject({ logoUrl: null, layout: 'grid', font: 'Lato' });
    expect(mergeTheme(merged)).toEqual(merged);
  });

  it.each([
    [{ colors: { primary: 'red' } }, /hex colour/],
    [{ colors: { primary: '#12345' } }, /hex colour/],
    [{ colors: { accent: '#123456' } }, /Unrecognized key/i],
    [{ font: 'Comic Sans MS' }, /Invalid option/i],
    [{ layout: 'carousel' }, /Invalid option/i],
    [{ logoUrl: 'http://cdn.example.com/logo.png' }, /https/],
    [{ logoUrl: 'javascript:alert(1)' }, /https/],
    [{ logoUrl: 'https://user:secret@cdn.example.com/logo.png' }, /credentials/],
    [{ logoUrl: 'not a url' }, /valid URL/],
    [{ logoUrl: `https://cdn.example.com/${'a'.repeat(2048)}` }, /2048/],
    [{ css: 'body{}' }, /Unrecognized key/i],
  ])('refuses the theme %j', (theme, message) => {
    const result = storeInput.safeParse({ name: 'Atelier', theme });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('; ')).toMatch(message);
  });

  it('takes a store with defaults, and a patch needs a name or a theme', () => {
    expect(storeInput.parse({ name: ' Atelier ' })).toEqual({ name: 'Atelier', theme: {} });
    expect(storeInput.safeParse({ name: 'Atelier', slug: 'Not A Slug' }).success).toBe(false);
    expect(storePatch.safeParse({}).success).toBe(false);
    expect(storePatch.parse({ theme: { layout: 'minimal' } })).toEqual({ theme: { layout: 'minimal' } });
  });
});

describe('store states', () => {
  const created = buildStore(storeInput.parse({ name: 'Atelier', slug: 'atelier', theme: { font: 'Roboto' } }), {
    id: 's1',
    tenantId: 't1',
    now: new Date('2026-01-01T00:00:00.000Z'),
  });
  const later = new Date('2026-01-02T00:00:00.000Z');

  it('starts at version 1 with the default theme under the given parts and no domain', () => {
    expect(created).toMatchObject({ version: 1, slug: 'atelier', domain: null, domainVerified: false, challengeToken: null, theme: { font: 'Roboto' } });
    expect(toStore(created).domainChallenge).toBeNull();
  });

  it('patches name and theme with a version bump', () => {
    expect(applyPatch(created, { name: 'Atelier Nord', theme: { colors: { text: '#000' } } }, later)).toMatchObject({
      name: 'Atelier Nord',
      theme: { font: 'Roboto', colors: { text: '#000000', primary: DEFAULT_THEME.colors.primary } },
      version: 2,
      updatedAt: later.toISOString(),
    });
  });

  it('a new domain resets verification and shows the challenge until verified', () => {
    const withShop = withDomain(created, 'shop.example.com', 'tok', later);
    expect(toStore(withShop).domainChallenge).toEqual({ type: 'TXT', name: '_marketplace-challenge.shop.example.com', value: 'mp-verify=tok' });
    const verified = markVerified(withShop, later);
    expect(verified).toMatchObject({ domainVerified: true, domainVerifiedAt: later.toISOString(), version: 3 });
    expect(toStore(verified).domainChallenge).toBeNull();
    expect(toStore(verified)).not.toHaveProperty('challengeToken');
    expect(withDomain(verified, 'www.example.com', 'tok2', later)).toMatchObject({ domainVerified: false, domainVerifiedAt: null, challengeToken: 'tok2' });
    expect(withDomain(verified, null, 'unused', later)).toMatchObject({ domain: null, challengeToken: null, domainVerified: false });
  });
});

describe('what a viewer sees', () => {
  const store = toStore(
    withDomain(buildStore(storeInput.parse({ name: 'A' }), { id: 's1', tenantId: 't1', now: new Date() }), 'shop.example.com', 'tok', new Date()),
  );
  const actor = (role: 'customer' | 'manager' | 'admin' | 'owner') => ({ userId: 'u', tenantId: 't1', roles: [role], level: 0 });

  it('shows the pending challenge to admins and above only', () => {
    expect(forViewer(store, actor('admin'))).toBe(store);
    expect(forViewer(store, actor('owner')).domainChallenge).toEqual(store.domainChallenge);
    for (const role of ['customer', 'manager'] as const) {
      expect(forViewer(store, actor(role))).toEqual({ ...store, domainChallenge: null });
    }
  });
});

describe('the TXT challenge', () => {
  const token = 'Zm9vYmFyLXRva2VuLTAxMjM0NTY3ODkw';

  it('matches a record holding mp-verify=<token>, among others', () => {
    expect(matchesChallenge([['v=spf1 -all'], [`mp-verify=${token}`]], token)).toBe(true);
    expect(matchesChallenge([[` mp-verify=${token} `]], token)).toBe(true);
  });

  it('joins a record split into character-strings before matching', () => {
    expect(matchesChallenge([['mp-verify=', token.slice(0, 10), token.slice(10)]], token)).toBe(true);
    // Chunks of different records never combine.
    expect(matchesChallenge([['mp-verify='], [token]], token)).toBe(false);
  });

  it('refuses other tokens, prefixes and partial values', () => {
    expect(matchesChallenge([], token)).toBe(false);
    expect(matchesChallenge([[`mp-verify=${token}x`]], token)).toBe(false);
    expect(matchesChallenge([[`mp-verify=${token.toLowerCase()}`]], token)).toBe(false);
    expect(matchesChallenge([[token]], token)).toBe(false);
    expect(matchesChallenge([[`other-verify=${token}`]], token)).toBe(false);
  });

  it('turns a missing record into 422 and a failing resolver into 503 with Retry-After', () => {
    const record = challengeRecord('shop.example.com', token);
    for (const code of ['ENOTFOUND', 'ENODATA']) {
      expect(lookupFailure(dnsError(code), record)).toMatchObject({ status: 422, code: 'domain_challenge_not_found', extras: { record } });
    }
    for (const code of ['ETIMEOUT', 'ESERVFAIL', 'ECONNREFUSED', 'EREFUSED']) {
      const failure = lookupFailure(dnsError(code), record);
      expect(failure).toMatchObject({ status: 503, code: 'dns_unavailable', headers: { 'retry-after': '5' } });
    }
    const open = new ServiceUnavailableError('open', 'circuit_open', 10);
    expect(lookupFailure(open, record)).toBe(open);
    const bug = new TypeError('not a DNS error');
    expect(lookupFailure(bug, record)).toBe(bug);
  });
});

describe('DNS_SERVERS', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['127.0.0.1:5353', ['127.0.0.1:5353']],
    [' 10.0.0.2:53 , [::1]:5300, ::1 ', ['10.0.0.2:53', '[::1]:5300', '::1']],
    ['[2001:db8::53]', ['[2001:db8::53]']],
  ])('takes %j', (raw, servers) => {
    expect(parseDnsServers(raw)).toEqual({ ok: true, servers });
  });

  it.each([
    ['', /at least one/],
    ['dns.example.com', /IP address/],
    ['127.0.0.1:0', /port/],
    ['127.0.0.1:70000', /port/],
    ['999.0.0.1', /not an IP/],
    ['[not-v6]:53', /IP address/],
  ])('refuses %j', (raw, reason) => {
    const result = parseDnsServers(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});
