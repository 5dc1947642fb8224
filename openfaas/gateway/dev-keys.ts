import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKey, toJwks, type SigningKey } from '../../layers/auth/tokens';
import { REPO_ROOT } from '../paths';

/**
 * The local signing key: created once, kept in `.local/dev-keys.json` (git-ignored, mode 600),
 * used by `npm run token` to sign and by the gateway to publish its public half as `JWKS` to
 * the functions. Never used outside local runs: production verifies against JWKS_URL.
 */
/** In the repository's .local/, wherever the command runs from. */
export const DEFAULT_DEV_KEYS_PATH = path.join(REPO_ROOT, '.local', 'dev-keys.json');

const isSigningKey = (value: unknown): value is SigningKey => {
  const key = value as Partial<SigningKey> | undefined;
  return typeof key?.kid === 'string' && typeof key.privateJwk === 'object' && typeof key.publicJwk === 'object';
};

export const loadOrCreateDevKey = async (file: string): Promise<SigningKey> => {
  if (existsSync(file)) {
    const stored: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (isSigningKey(stored)) return stored;
    throw new Error(`${file} is not a dev signing key; delete it to create a new one`);
  }
  const key = await generateSigningKey();
  await mkdir(path.dirname(file), { recursive: true });
  // Written then renamed, so a concurrent reader never sees half a key.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
  return key;
};

export const devJwks = (key: SigningKey): string => JSON.stringify(toJwks([key.publicJwk]));

/**
 * Sets `JWKS` from the dev key when neither JWKS nor JWKS_URL is configured. Returns a function
 * that undoes it (for tests that start and stop gateways in one process).
 */
export const provideDevJwks = async (file: string, env: NodeJS.ProcessEnv = process.env): Promise<() => void> => {
  if (env.JWKS || env.JWKS_URL) return () => undefined;
  env.JWKS = devJwks(await loadOrCreateDevKey(file));
  return () => {
    delete env.JWKS;
  };
};
