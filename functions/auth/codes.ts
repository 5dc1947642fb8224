import { createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import type { CODE_PURPOSES } from './events';
import type { CodeOutcome, CodeStore } from './store';

/**
 * One-time codes, recovery codes and reset tokens: generated from the CSPRNG, kept only as
 * HMACs (a stolen Redis dump does not give away 6-digit codes, which a plain hash would after a
 * million guesses), single use, short-lived and attempt-limited by the store.
 */
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
export const RESET_TTL_MS = 30 * 60_000;
export const RECOVERY_CODE_COUNT = 10;

export type CodePurpose = (typeof CODE_PURPOSES)[number];

export type Hasher = (purpose: string, value: string) => string;

/** An HMAC-SHA256 keyed by a key derived from `secret` (the sealing key) for this one use. */
export const makeHasher = (secret: Uint8Array): Hasher => {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'marketplace auth one-time secrets', 32));
  return (purpose, value) => createHmac('sha256', key).update(purpose).update('\0').update(value).digest('base64url');
};

/** Six digits, uniformly drawn. */
export const generateCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** 32 random bytes, base64url: a password reset token. */
export const generateResetToken = (): string => randomBytes(32).toString('base64url');

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** `xxxxx-xxxxx` from an unambiguous alphabet (~49 bits each). */
export const generateRecoveryCode = (): string => {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(0, RECOVERY_ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
};

/** Recovery codes as typed: case, spaces and dashes do not matter. */
export const normalizeRecoveryCode = (code: string): string => {
  const bare = code.toLowerCase().replace(/[\s-]/g, '');
  return `${bare.slice(0, 5)}-${bare.slice(5)}`;
};

export interface CodeDeps {
  codes: CodeStore;
  hash: Hasher;
  now: () => Date;
}

/** Issues a code for (purpose, subject), replacing the previous one; returns it (to be sealed) and its expiry. */
export const issueCode = async (deps: CodeDeps, purpose: CodePurpose, subject: string): Promise<{ code: string; expiresAt: Date }> => {
  const code = generateCode();
  await deps.codes.put(purpose, subject, deps.hash(purpose, code), CODE_TTL_MS);
  return { code, expiresAt: new Date(deps.now().getTime() + CODE_TTL_MS) };
};

/** Checks a code once; see CodeStore.check. */
export const checkCode = (deps: CodeDeps, purpose: CodePurpose, subject: string, code: string): Promise<CodeOutcome> =>
  deps.codes.check(purpose, subject, deps.hash(purpose, code), CODE_MAX_ATTEMPTS);
