import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { loadConfig } from '../config';
import { ConfigError } from '../errors';

/**
 * Where verification keys come from: `JWKS` (a JWKS document inline, for local runs and tests)
 * or `JWKS_URL` (the identity service's endpoint, fetched by jose and cached; an unknown `kid`
 * triggers a refetch, rate-limited by the cooldown, which is how key rotation reaches us).
 * Key sets are built once per module instance and per source, so warm invocations share them.
 */
const keySets = new Map<string, JWTVerifyGetKey>();

const REMOTE_OPTIONS = { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 3_000 };

export const parseJwks = (json: string): JSONWebKeySet => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError(['JWKS: must be a JSON Web Key Set document']);
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as JSONWebKeySet).keys)) {
    throw new ConfigError(['JWKS: must be an object with a "keys" array']);
  }
  return parsed as JSONWebKeySet;
};

/** The key set the environment names; throws `ConfigError` when it names none. */
export const keySetFromConfig = (): JWTVerifyGetKey => {
  const { JWKS, JWKS_URL } = loadConfig();
  const source = JWKS ? `inline:${JWKS}` : JWKS_URL ? `url:${JWKS_URL}` : undefined;
  if (!source) throw new ConfigError(['JWKS or JWKS_URL: one is required to verify access tokens']);
  let keySet = keySets.get(source);
  if (!keySet) {
    keySet = JWKS ? createLocalJWKSet(parseJwks(JWKS)) : createRemoteJWKSet(new URL(JWKS_URL as string), REMOTE_OPTIONS);
    keySets.set(source, keySet);
  }
  return keySet;
};
