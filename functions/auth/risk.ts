import { createHash } from 'node:crypto';
import type { SigninAttempt } from './store';

/**
 * Suspicious sign-in rules (the seed's "false-identification flagging"). Pure: the history of
 * recent attempts and the devices the user is known on go in, the reasons to flag come out.
 *   - new_device_burst: 3 or more distinct unknown devices within 10 minutes;
 *   - ip_change_rate: 3 or more distinct IPs within an hour (impossible travel, by rate);
 *   - failure_streak: a success right after 3 or more consecutive failures.
 */
export const RISK_RULES = {
  deviceBurst: { windowMs: 10 * 60_000, distinct: 3 },
  ipChange: { windowMs: 60 * 60_000, distinct: 3 },
  failureStreak: { failures: 3 },
} as const;

/** How long attempts are kept for the rules: the longest window. */
export const RISK_HISTORY_MS = RISK_RULES.ipChange.windowMs;

export type RiskReason = 'new_device_burst' | 'ip_change_rate' | 'failure_streak';

export interface RiskInput {
  /** This sign-in. */
  attempt: SigninAttempt;
  /** Earlier attempts of the user (any order, any age). */
  history: SigninAttempt[];
  /** Device hashes the user signed in from before. */
  knownDevices: readonly string[];
  /** Consecutive failures right before this attempt. */
  failuresBefore: number;
}

export const assessSignin = ({ attempt, history, knownDevices, failuresBefore }: RiskInput): RiskReason[] => {
  const reasons: RiskReason[] = [];
  const within = (windowMs: number) => [...history.filter((a) => a.at > attempt.at - windowMs && a.at <= attempt.at), attempt];
  const known = new Set(knownDevices);
  // New when it was seen: a device that signed in since is known now, but was part of the burst.
  const newDevices = new Set(
    within(RISK_RULES.deviceBurst.windowMs)
      .filter((a) => a.fresh ?? !known.has(a.device))
      .map((a) => a.device),
  );
  if (newDevices.size >= RISK_RULES.deviceBurst.distinct) reasons.push('new_device_burst');
  const ips = new Set(within(RISK_RULES.ipChange.windowMs).map((a) => a.ip));
  if (ips.size >= RISK_RULES.ipChange.distinct) reasons.push('ip_change_rate');
  if (attempt.ok && failuresBefore >= RISK_RULES.failureStreak.failures) reasons.push('failure_streak');
  return reasons;
};

/** A device, as far as a server can tell: a hash of its user agent. */
export const deviceOf = (userAgent: string | undefined): string =>
  createHash('sha256')
    .update(userAgent ?? '')
    .digest('base64url')
    .slice(0, 22);

/** The known devices after a successful sign-in from `device`: most recent last, at most `max`. */
export const rememberDevice = (known: readonly string[], device: string, max = 20): string[] => [...known.filter((d) => d !== device), device].slice(-max);
