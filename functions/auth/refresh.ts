import { defineHttp } from '../../layers/http/define';
import { authLimit } from './config';
import { authDeps, sessionDeps } from './deps';
import { refreshTokenBody, tokenPair } from './schemas';
import { rotateSession } from './sessions';

// Schemas: `refreshTokenBody` in, `tokenPair` out (./schemas). The core is sessions.rotateSession.

export default defineHttp(
  {
    name: 'auth-refresh',
    method: 'POST',
    summary: 'Trade a refresh token for new tokens (the refresh token rotates)',
    description: 'Presenting a refresh token that was already used revokes its whole family (401 refresh_token_reused).',
    tags: ['auth'],
    auth: 'public',
    rateLimit: { keyPrefix: 'rl:auth-refresh:', scopes: ['ip'], ...authLimit(120, 2) },
    request: { body: refreshTokenBody },
    response: { status: 200, schema: tokenPair, description: 'New tokens' },
    errors: [401, 423],
  },
  async ({ body }) => ({ body: await rotateSession(sessionDeps(await authDeps()), body.refreshToken), headers: { 'cache-control': 'no-store' } }),
);
