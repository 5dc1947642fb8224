import { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * Configuration is read from the environment once per module instance (cold start),
 * validated against a zod schema, and frozen. A bad environment fails the cold start
 * with every problem listed by variable name — never by value, which may be a secret.
 */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  SERVICE_NAME: z.string().min(1).default('marketplace'),
  FUNCTION_NAME: z.string().min(1).default('unknown'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')
    .default('mongodb://127.0.0.1:27017/marketplace'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('marketplace'),
  JWT_ISSUER: z.string().min(1).default('https://auth.marketplace.local'),
  JWT_AUDIENCE: z.string().min(1).default('marketplace-api'),
  JWKS_URL: z.string().url().optional(),
  JWKS: z.string().optional(),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024),
  /** Default token bucket per tenant, user and IP; plans and operations may set their own. */
  RATE_LIMIT_CAPACITY: z.coerce.number().int().positive().default(100),
  RATE_LIMIT_REFILL_PER_SECOND: z.coerce.number().positive().default(50),
  CONNECTOR_SECRET: z.string().min(16).optional(),
  /** 32 bytes, base64url: seals one-time codes in events (layers/sealing). Only auth and notification need it. */
  SEALING_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes, base64url')
    .optional(),
  /**
   * The plan applied to a tenant id no tenant document backs (dev tokens minted with
   * `npm run token`, load tests). Production leaves it at FREE.
   */
  UNPROVISIONED_TENANT_PLAN: z.enum(['FREE', 'PRO', 'ENTERPRISE']).default('FREE'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export const parseConfig = <S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> => {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return Object.freeze(result.data) as z.infer<S>;
};

const cache = new WeakMap<z.ZodType, unknown>();

/** Parses `process.env` against `schema` the first time, then returns the same frozen object. */
export const loadConfig = <S extends z.ZodType = typeof baseConfigSchema>(schema?: S): z.infer<S> => {
  const effective = (schema ?? baseConfigSchema) as S;
  if (!cache.has(effective)) cache.set(effective, parseConfig(effective, process.env));
  return cache.get(effective) as z.infer<S>;
};

/** For tests: forget parsed configs so a changed environment is read again. */
export const resetConfigCache = (schema?: z.ZodType): void => {
  cache.delete(schema ?? baseConfigSchema);
};
