/**
 * Roles are hierarchical: each has a level, and a check for role R admits every role whose
 * level is at least R's. `platform` is the operators' role, above every tenant role.
 */
export const ROLE_LEVEL = {
  customer: 10,
  staff: 40,
  manager: 60,
  admin: 80,
  owner: 100,
  platform: 1000,
} as const;

export type Role = keyof typeof ROLE_LEVEL;
export const ROLES = Object.keys(ROLE_LEVEL) as Role[];

/** Who is calling, as proven by a verified access token. */
export interface Actor {
  userId: string;
  tenantId: string;
  roles: Role[];
  /** The highest level among `roles`. */
  level: number;
  tokenId?: string;
}

export const levelOf = (roles: readonly Role[]): number => roles.reduce((max, role) => Math.max(max, ROLE_LEVEL[role] ?? 0), 0);

export const isRole = (value: unknown): value is Role => typeof value === 'string' && Object.hasOwn(ROLE_LEVEL, value);
