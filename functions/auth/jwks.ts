import { z } from 'zod';
import { algorithmOf, toJwks } from '../../layers/auth/tokens';
import { defineHttp } from '../../layers/http/define';
import { signingKeys, type AuthConfig } from './config';

const jwksDocument = z.object({
  keys: z.array(
    z.object({ kty: z.string(), kid: z.string(), alg: z.string().optional(), use: z.string().optional(), crv: z.string().optional() }).passthrough(),
  ),
});

/**
 * The public halves of every signing key, current first: a key being retired stays listed
 * until the tokens it signed have expired, so a rotation signs no one out. Verifiers cache the
 * document (5 minutes) and refetch when they meet an unknown `kid`.
 */
export const publicKeys = (config?: AuthConfig): z.infer<typeof jwksDocument> =>
  jwksDocument.parse(
    toJwks(
      signingKeys(config).map((jwk) => {
        const { kty, crv, x, y, kid, alg, use } = jwk;
        return { kty, crv, x, ...(y ? { y } : {}), kid, alg: alg ?? algorithmOf(jwk), use: use ?? 'sig' };
      }),
    ),
  );

export default defineHttp(
  {
    name: 'auth-jwks',
    method: 'GET',
    summary: 'The JSON Web Key Set that verifies access tokens',
    tags: ['auth'],
    auth: 'public',
    response: { status: 200, schema: jwksDocument, description: 'JWKS (RFC 7517)' },
  },
  async () => ({ body: publicKeys(), headers: { 'cache-control': 'public, max-age=300' } }),
);
