import { generateSecret, generateURI, verify } from 'otplib';

/**
 * TOTP (RFC 6238) through otplib: SHA-1, 6 digits, 30-second steps, as every authenticator app
 * expects. One step of drift either way is accepted, and a step is accepted once: the caller
 * keeps the last step used and passes it back (otplib's `afterTimeStep`).
 */
export const TOTP_PERIOD_SECONDS = 30;
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;

export const newTotpSecret = (): string => generateSecret();

export const totpUri = (secret: string, issuer: string, account: string): string => generateURI({ issuer, label: account, secret });

/** The time step the code belongs to, or undefined when it is wrong or was used (step <= afterStep). */
export const verifyTotp = async (secret: string, code: string, afterStep: number, nowMs = Date.now()): Promise<number | undefined> => {
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: TOLERANCE_SECONDS,
    ...(afterStep > 0 ? { afterTimeStep: afterStep } : {}),
  });
  // otplib types the functional verify as HOTP or TOTP; a TOTP result carries its time step.
  return result.valid && 'timeStep' in result ? (result.timeStep as number) : undefined;
};
