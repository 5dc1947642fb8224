import { AppError, BadRequestError, UnauthorizedError } from '../../layers/errors';

/** The identity service's problem codes; clients branch on them. */
export const AUTH_CODES = {
  invalidCredentials: 'invalid_credentials',
  accountLocked: 'account_locked',
  emailTaken: 'email_taken',
  weakPassword: 'weak_password',
  invalidCode: 'invalid_code',
  invalidToken: 'invalid_token',
  refreshInvalid: 'refresh_token_invalid',
  refreshReused: 'refresh_token_reused',
  roleAboveOwnLevel: 'role_above_own_level',
  emailNotVerified: 'email_not_verified',
  unknownTenant: 'unknown_tenant',
  twoFactorEnabled: 'two_factor_enabled',
  noPendingTwoFactor: 'two_factor_not_pending',
  alreadyOnboarded: 'already_onboarded',
  tooManyAttempts: 'too_many_attempts',
} as const;

/** 423 with Retry-After: the account (or the email, known or not) is locked after repeated failures. */
export class AccountLockedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      423,
      AUTH_CODES.accountLocked,
      'Locked',
      `Too many failed sign-ins; retry after ${retryAfterSeconds}s or reset the password.`,
      { retryAfter: retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

/** The one answer to an unknown email and to a wrong password alike. */
export const invalidCredentials = (): UnauthorizedError => new UnauthorizedError('The email or password is wrong.', AUTH_CODES.invalidCredentials);

/** The one answer to a wrong, expired, used or burnt code. */
export const invalidCode = (): BadRequestError => new BadRequestError('The code is wrong or has expired.', AUTH_CODES.invalidCode);

export const invalidRefreshToken = (): UnauthorizedError =>
  new UnauthorizedError('The refresh token is invalid, expired or revoked.', AUTH_CODES.refreshInvalid);
