import { CompactEncrypt, compactDecrypt } from 'jose';
import { loadConfig } from '../config';
import { ConfigError } from '../errors';

/**
 * One-time codes and reset tokens travel in events (to the notification service, which
 * delivers them) but must not be readable by anything else that sees events: the audit chain,
 * the DLQ, a log line. They are sealed with a symmetric key only the issuer and the deliverer
 * hold (`SEALING_KEY`, 32 bytes base64url): a compact JWE, `dir` + A256GCM, authenticated so
 * a tampered value is refused rather than delivered.
 */
const ALG = 'dir';
const ENC = 'A256GCM';

let cachedKey: { source: string; key: Uint8Array } | undefined;

const keyFromConfig = (): Uint8Array => {
  const { SEALING_KEY } = loadConfig();
  if (!SEALING_KEY) throw new ConfigError(['SEALING_KEY: required to seal or unseal one-time codes']);
  if (cachedKey?.source !== SEALING_KEY) cachedKey = { source: SEALING_KEY, key: Buffer.from(SEALING_KEY, 'base64url') };
  return cachedKey.key;
};

export const seal = async (plaintext: string, key: Uint8Array = keyFromConfig()): Promise<string> =>
  new CompactEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({ alg: ALG, enc: ENC }).encrypt(key);

/** The sealed value; throws when it was sealed with another key or altered. */
export const unseal = async (sealed: string, key: Uint8Array = keyFromConfig()): Promise<string> => {
  const { plaintext } = await compactDecrypt(sealed, key, { keyManagementAlgorithms: [ALG], contentEncryptionAlgorithms: [ENC] });
  return new TextDecoder().decode(plaintext);
};
