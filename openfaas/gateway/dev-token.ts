import { parseArgs } from 'node:util';
import { createTokenSigner } from '../../layers/auth/tokens';
import { isRole, type Role } from '../../layers/auth/types';
import { loadConfig } from '../../layers/config';
import { DEFAULT_DEV_KEYS_PATH, loadOrCreateDevKey } from './dev-keys';

/**
 * `npm run -s token -- --tenant t1 --role admin [--user u1] [--ttl 3600]`: prints an access
 * token signed with the local dev key, which the local gateway publishes as JWKS, so:
 *   curl -H "Authorization: Bearer $(npm run -s token -- --tenant t1 --role admin)" ...
 * Issuer and audience are the functions' own (JWT_ISSUER, JWT_AUDIENCE or their defaults).
 */
export interface DevTokenRequest {
  tenant: string;
  roles: Role[];
  user: string;
  ttlSeconds: number;
}

const USAGE = 'usage: npm run -s token -- --tenant <id> --role <role>[,<role>] [--user <id>] [--ttl <seconds>]';

export const parseTokenArgs = (argv: string[]): DevTokenRequest => {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: 'string' },
      role: { type: 'string', default: 'admin' },
      user: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
    strict: true,
  });
  if (!values.tenant) throw new Error(`--tenant is required\n${USAGE}`);
  const roles = values.role.split(',').map((role) => role.trim());
  const invalid = roles.filter((role) => !isRole(role));
  if (invalid.length > 0) throw new Error(`unknown role ${invalid.join(', ')}\n${USAGE}`);
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error(`--ttl must be a positive number of seconds\n${USAGE}`);
  return { tenant: values.tenant, roles: roles as Role[], user: values.user ?? `dev-${roles[0]}-${values.tenant}`, ttlSeconds };
};

export const mintDevToken = async (request: DevTokenRequest, keysPath = DEFAULT_DEV_KEYS_PATH): Promise<string> => {
  const key = await loadOrCreateDevKey(keysPath);
  const config = loadConfig();
  const signer = createTokenSigner({
    privateJwk: key.privateJwk,
    kid: key.kid,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: request.ttlSeconds,
  });
  return signer.sign({ sub: request.user, tid: request.tenant, roles: request.roles });
};

if (require.main === module) {
  Promise.resolve()
    .then(() => mintDevToken(parseTokenArgs(process.argv.slice(2))))
    .then((token) => process.stdout.write(`${token}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
