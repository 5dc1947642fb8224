import { z } from 'zod';
import { ROLES } from '../../layers/auth/types';

/** Request and response shapes several identity operations share. */
export const email = z
  .string()
  .trim()
  .max(254)
  .email()
  .transform((value) => value.toLowerCase());

/** Length and strength are the password policy's (422 weak_password); this only bounds the input. */
export const password = z.string().min(1).max(128);

export const tenantIdField = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tenant id')
  .describe('The tenant whose customers you are among; omit for the platform (sellers).');

export const userId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a user id');

export const role = z.enum(ROLES);

export const userStatus = z.enum(['pending_verification', 'active', 'soft_deleted']);
export type UserStatus = z.infer<typeof userStatus>;

export const twoFactorMethod = z.enum(['totp', 'email', 'sms']);
export type TwoFactorMethod = z.infer<typeof twoFactorMethod>;

/** A one-time code as people type it: six digits. */
export const code = z.string().regex(/^\d{6}$/, 'six digits');

/** E.164, for SMS codes. */
export const phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number');

export const tokenPair = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().positive().describe('Seconds until the access token expires'),
  refreshToken: z.string().describe('Opaque; rotates on every use'),
});
export type TokenPair = z.infer<typeof tokenPair>;

export const onboardingStatus = z.enum(['none', 'requested', 'provisioned', 'failed']);

export const profile = z.object({
  id: z.string(),
  tenantId: z.string(),
  email: z.string(),
  name: z.string(),
  status: userStatus,
  emailVerified: z.boolean(),
  roles: z.array(role),
  twoFactor: z.object({ enabled: z.boolean(), method: twoFactorMethod.nullable() }),
  onboarding: z.object({ status: onboardingStatus }),
  createdAt: z.string().datetime(),
});
export type Profile = z.infer<typeof profile>;

export const refreshTokenBody = z.object({ refreshToken: z.string().min(1).max(512) }).strict();
