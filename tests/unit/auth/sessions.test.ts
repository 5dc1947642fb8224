import { describe, expect, it } from 'vitest';
import { sessionDeps } from '../../../functions/auth/deps';
import { buildRefreshToken, issueSession, parseRefreshToken, revokeSession, rotateSession } from '../../../functions/auth/sessions';
import { newUser } from '../../../functions/auth/users';
import { memoryDeps } from './memory';

/** Refresh rotation and reuse detection (RFC 9700) against the in-memory ports. */
const setup = async () => {
  const world = memoryDeps();
  const user = newUser({
    id: 'u1',
    tenantId: 't1',
    realm: 'platform',
    email: 'a@b.test',
    name: 'A',
    passwordHash: 'x',
    roles: ['customer'],
    now: world.deps.now(),
  });
  await world.users.store.insertUser({ ...user, status: 'active' }, []);
  return { ...world, deps: sessionDeps(world.deps), user };
};

describe('refresh tokens', () => {
  it('are <familyId>.<43 base64url chars>; anything else does not parse', () => {
    const token = buildRefreshToken('0190a0a0-0000-7000-8000-000000000001', 'A'.repeat(43));
    expect(parseRefreshToken(token)).toEqual({ familyId: '0190a0a0-0000-7000-8000-000000000001', secret: 'A'.repeat(43) });
    for (const bad of ['', 'abc', `${'x'.repeat(36)}.${'A'.repeat(43)}`, `0190a0a0-0000-7000-8000-000000000001.${'A'.repeat(42)}`])
      expect(parseRefreshToken(bad)).toBeUndefined();
  });

  it('rotate on every use within one family, and take the user’s current roles', async () => {
    const { deps, user, users } = await setup();
    const first = await issueSession(deps, user);
    expect(first.accessToken).toBe('token:u1:t1:customer');
    await users.store.update('u1', 't1', {}, { set: { roles: ['staff'] } }, []);
    const second = await rotateSession(deps, first.refreshToken);
    expect(second.refreshToken.split('.')[0]).toBe(first.refreshToken.split('.')[0]);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).toBe('token:u1:t1:staff');
  });

  it('revoke the whole family when a used token comes back, durably (Mongo) and at once (Redis)', async () => {
    const { deps, user, users } = await setup();
    const first = await issueSession(deps, user);
    const second = await rotateSession(deps, first.refreshToken);
    await expect(rotateSession(deps, first.refreshToken)).rejects.toMatchObject({ status: 401, code: 'refresh_token_reused' });
    await expect(rotateSession(deps, second.refreshToken)).rejects.toMatchObject({ status: 401, code: 'refresh_token_invalid' });
    const [family] = [...users.families.values()];
    expect(family).toMatchObject({ revokedReason: 'reuse', revokedAt: expect.any(Date) });
  });

  it('refuse a made-up secret without revoking anything, and an unknown family', async () => {
    const { deps, user, users } = await setup();
    const first = await issueSession(deps, user);
    const familyId = first.refreshToken.split('.')[0]!;
    await expect(rotateSession(deps, buildRefreshToken(familyId, 'B'.repeat(43)))).rejects.toMatchObject({ code: 'refresh_token_invalid' });
    expect(users.families.get(familyId)!.revokedAt).toBeNull();
    await expect(rotateSession(deps, first.refreshToken)).resolves.toBeTruthy();
    await expect(rotateSession(deps, buildRefreshToken('0190a0a0-0000-7000-8000-00000000ffff', 'B'.repeat(43)))).rejects.toMatchObject({
      code: 'refresh_token_invalid',
    });
  });

  it('end with the family’s absolute lifetime, a password reset (epoch) or a soft delete', async () => {
    const { deps, user, users, advance } = await setup();
    const expiring = await issueSession(deps, user);
    advance(deps.familyTtlSeconds * 1000 + 1);
    await expect(rotateSession(deps, expiring.refreshToken)).rejects.toMatchObject({ code: 'refresh_token_invalid' });

    const epoch = await issueSession(deps, (await users.store.byId('u1'))!);
    await users.store.update('u1', 't1', {}, { inc: { tokenEpoch: 1 } }, []);
    await expect(rotateSession(deps, epoch.refreshToken)).rejects.toMatchObject({ code: 'refresh_token_invalid' });

    const deleted = await issueSession(deps, (await users.store.byId('u1'))!);
    await users.store.update('u1', 't1', {}, { set: { status: 'soft_deleted' } }, []);
    await expect(rotateSession(deps, deleted.refreshToken)).rejects.toMatchObject({ code: 'refresh_token_invalid' });
  });

  it('refuse a locked user with 423 and Retry-After', async () => {
    const { deps, user } = await setup();
    const session = await issueSession(deps, user);
    await expect(rotateSession({ ...deps, lockedFor: async () => 90_500 }, session.refreshToken)).rejects.toMatchObject({
      status: 423,
      headers: { 'retry-after': '91' },
    });
  });

  it('logout revokes the family of a token it is shown (current or used), idempotently; a stranger’s guess revokes nothing', async () => {
    const { deps, user, users } = await setup();
    const first = await issueSession(deps, user);
    const familyId = first.refreshToken.split('.')[0]!;
    await revokeSession(deps, buildRefreshToken(familyId, 'C'.repeat(43)));
    await revokeSession(deps, 'garbage');
    expect(users.families.get(familyId)!.revokedAt).toBeNull();
    const second = await rotateSession(deps, first.refreshToken);
    await revokeSession(deps, first.refreshToken);
    expect(users.families.get(familyId)).toMatchObject({ revokedReason: 'logout' });
    await revokeSession(deps, second.refreshToken);
    await expect(rotateSession(deps, second.refreshToken)).rejects.toMatchObject({ code: 'refresh_token_invalid' });
  });
});
