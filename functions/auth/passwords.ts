import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { UnprocessableError } from '../../layers/errors';
import { AUTH_CODES } from './errors';

/**
 * The password policy: 10 to 128 characters, and not guessable: zxcvbn's score of at least 3
 * ("safely unguessable: moderate protection from offline slow-hash scenario"), counting the
 * user's own email and name as known words. A refusal is 422 `weak_password` with the reasons.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;
export const PASSWORD_MIN_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

/**
 * Loaded on the first strength check, not at cold start: the dictionaries take ~25 ms to load,
 * and most functions that import this module (login, refresh, logout) never check a new password.
 */
const strength = (): ZxcvbnFactory => {
  if (!estimator) {
    const { ZxcvbnFactory: Factory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const { adjacencyGraphs, dictionary } = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    estimator = new Factory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  }
  return estimator;
};

export interface PolicyVerdict {
  ok: boolean;
  reasons: string[];
  score?: number;
}

export const assessPassword = (password: string, userInputs: string[] = []): PolicyVerdict => {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return { ok: false, reasons: [`at least ${PASSWORD_MIN_LENGTH} characters`] };
  if (length > PASSWORD_MAX_LENGTH) return { ok: false, reasons: [`at most ${PASSWORD_MAX_LENGTH} characters`] };
  const inputs = userInputs.flatMap((input) => [input, ...input.split(/[@.\s_+-]+/)]).filter((word) => word.length >= 3);
  const result = strength().check(password, inputs);
  if (result.score >= PASSWORD_MIN_SCORE) return { ok: true, reasons: [], score: result.score };
  const { warning, suggestions } = result.feedback;
  return { ok: false, score: result.score, reasons: [...(warning ? [warning] : []), ...suggestions].slice(0, 4) };
};

export const assertStrongPassword = (password: string, userInputs: string[] = []): void => {
  const verdict = assessPassword(password, userInputs);
  if (!verdict.ok) {
    throw new UnprocessableError('The password is too weak.', AUTH_CODES.weakPassword, {
      reasons: verdict.reasons.length ? verdict.reasons : ['too easy to guess'],
    });
  }
};

/**
 * bcrypt reads at most 72 bytes, so a long password would share its hash with every password
 * that starts the same. Each password is first reduced to its SHA-256 (44 base64 characters).
 */
const prehash = (password: string): string => createHash('sha256').update(password, 'utf8').digest('base64');

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** The same work as `verify` against a hash no password matches: for unknown users. */
  verifyNothing(password: string): Promise<false>;
}

export const bcryptHasher = (cost: number): PasswordHasher => {
  // Made at once (not on the first unknown email), so no first request pays for two hashes.
  const dummy = bcrypt.hash(prehash(`dummy:${Math.random()}`), cost);
  return {
    hash: (password) => bcrypt.hash(prehash(password), cost),
    verify: (password, hash) => bcrypt.compare(prehash(password), hash),
    async verifyNothing(password) {
      await bcrypt.compare(prehash(password), await dummy);
      return false;
    },
  };
};
