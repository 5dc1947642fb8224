export { AUTH_ERROR_CODES, bearerToken, jwtAuth, verifyAccessToken, type JwtAuthOptions, type VerifyAccessTokenOptions } from './jwt-auth';
export { keySetFromConfig, parseJwks } from './jwks';
export {
  ACCESS_TOKEN_TYPE,
  KID_PATTERN,
  SIGNING_ALGORITHMS,
  algorithmOf,
  createTokenSigner,
  generateSigningKey,
  toJwks,
  type AccessTokenClaims,
  type SigningAlgorithm,
  type SigningKey,
  type TokenSigner,
  type TokenSignerOptions,
} from './tokens';
export { ROLES, ROLE_LEVEL, isRole, levelOf, type Actor, type Role } from './types';
