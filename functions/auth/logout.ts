import { defineHttp } from '../../layers/http/define';
import { authLimit } from './config';
import { authDeps, sessionDeps } from './deps';
import { refreshTokenBody } from './schemas';
import { revokeSession } from './sessions';

// Schema: `refreshTokenBody` in, nothing out. The core is sessions.revokeSession: as RFC 7009
// asks of a revocation endpoint, an unknown or already revoked token answers the same 204.

export default defineHttp(
  {
    name: 'auth-logout',
    method: 'POST',
    summary: 'Sign out: revoke the refresh token family (idempotent)',
    tags: ['auth'],
    auth: 'public',
    rateLimit: { keyPrefix: 'rl:auth-logout:', scopes: ['ip'], ...authLimit(60, 1) },
    request: { body: refreshTokenBody },
    response: { status: 204, description: 'Signed out' },
  },
  async ({ body }) => {
    await revokeSession(sessionDeps(await authDeps()), body.refreshToken);
    return { status: 204 };
  },
);
