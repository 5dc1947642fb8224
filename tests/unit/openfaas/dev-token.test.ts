import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../layers/config';
import { writeFileSync } from 'node:fs';
import { devJwks, loadOrCreateDevKey, loadOrCreateDevSecrets, provideDevJwks } from '../../../openfaas/gateway/dev-keys';
import { mintDevToken, parseTokenArgs } from '../../../openfaas/gateway/dev-token';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dev-keys-'));
const keysPath = path.join(dir, 'nested', 'dev-keys.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseTokenArgs', () => {
  it('reads tenant, roles, user and ttl', () => {
    expect(parseTokenArgs(['--tenant', 't1', '--role', 'admin,staff', '--user', 'u1', '--ttl', '60'])).toEqual({
      tenant: 't1',
      roles: ['admin', 'staff'],
      user: 'u1',
      ttlSeconds: 60,
    });
    expect(parseTokenArgs(['--tenant', 't1'])).toMatchObject({ roles: ['admin'], user: 'dev-admin-t1', ttlSeconds: 3600 });
  });

  it.each([[[]], [['--tenant', 't1', '--role', 'emperor']], [['--tenant', 't1', '--ttl', '0']], [['--tenant', 't1', '--nope']]])('refuses %j', (argv) => {
    expect(() => parseTokenArgs(argv)).toThrow();
  });
});

describe('dev key and token', () => {
  it('creates the key once, private to its owner, and reuses it', async () => {
    const first = await loadOrCreateDevKey(keysPath);
    expect(statSync(keysPath).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateDevKey(keysPath)).toEqual(first);
    expect(JSON.parse(devJwks(first)).keys[0]).not.toHaveProperty('d');
  });

  it('mints a token the published JWKS verifies, with the functions’ issuer and audience', async () => {
    const token = await mintDevToken({ tenant: 't1', roles: ['admin'], user: 'u1', ttlSeconds: 60 }, keysPath);
    const jwks = createLocalJWKSet(JSON.parse(devJwks(await loadOrCreateDevKey(keysPath))));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: loadConfig().JWT_ISSUER, audience: loadConfig().JWT_AUDIENCE });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: 'u1', tid: 't1', roles: ['admin'] });
  });

  it('publishes JWKS only when neither JWKS nor JWKS_URL is set, and undoes it', async () => {
    const env: NodeJS.ProcessEnv = {};
    const undo = await provideDevJwks(keysPath, env);
    expect(JSON.parse(env.JWKS!).keys).toHaveLength(1);
    undo();
    expect(env.JWKS).toBeUndefined();
    const configured: NodeJS.ProcessEnv = { JWKS_URL: 'https://auth.example/jwks' };
    await provideDevJwks(keysPath, configured);
    expect(configured.JWKS).toBeUndefined();
  });

  it('hands the identity service the dev key to sign with and a sealing key, unless configured', async () => {
    const env: NodeJS.ProcessEnv = {};
    const undo = await provideDevJwks(keysPath, env);
    const secrets = await loadOrCreateDevSecrets(keysPath);
    expect(JSON.parse(env.AUTH_SIGNING_KEYS!)).toEqual([secrets.privateJwk]);
    expect(env.SEALING_KEY).toBe(secrets.sealingKey);
    expect(Buffer.from(env.SEALING_KEY!, 'base64url')).toHaveLength(32);
    expect(env.AUTH_SECRET_KEY).toBe(secrets.authSecretKey);
    expect(env.AUTH_SECRET_KEY).not.toBe(env.SEALING_KEY);
    undo();
    expect(env).toEqual({});
    // Keys from elsewhere: the dev key must not sign tokens nothing verifies.
    const configured: NodeJS.ProcessEnv = { JWKS: '{"keys":[]}', SEALING_KEY: 'x'.repeat(43), AUTH_SECRET_KEY: 'y'.repeat(43) };
    await provideDevJwks(keysPath, configured);
    expect(configured).toEqual({ JWKS: '{"keys":[]}', SEALING_KEY: 'x'.repeat(43), AUTH_SECRET_KEY: 'y'.repeat(43) });
  });

  it('adds the symmetric keys to a dev key file written before there was one, keeping the signing key', async () => {
    const older = path.join(dir, 'older.json');
    const { sealingKey: _dropped, authSecretKey: _alsoDropped, ...signingOnly } = await loadOrCreateDevSecrets(keysPath);
    writeFileSync(older, JSON.stringify(signingOnly), { mode: 0o600 });
    const completed = await loadOrCreateDevSecrets(older);
    expect(completed).toMatchObject({ kid: signingOnly.kid });
    expect(completed.sealingKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(completed.authSecretKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await loadOrCreateDevSecrets(older)).toEqual(completed);
  });
});
