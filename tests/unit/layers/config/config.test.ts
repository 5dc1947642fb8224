import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, loadConfig, parseConfig, resetConfigCache } from '../../../../layers/config';
import { ConfigError } from '../../../../layers/errors';

describe('configuration', () => {
  afterEach(() => resetConfigCache());

  it('applies defaults and coerces numbers', () => {
    const config = parseConfig(baseConfigSchema, { MAX_BODY_BYTES: '2048' });
    expect(config).toMatchObject({
      MONGO_URL: 'mongodb://127.0.0.1:27017/marketplace',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAFKA_BROKERS: '127.0.0.1:9092',
      MAX_BODY_BYTES: 2048,
      RATE_LIMIT_CAPACITY: 100,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable, never its value', () => {
    const secret = 'redis-password-123';
    let error: unknown;
    try {
      parseConfig(baseConfigSchema, { MONGO_URL: 'postgres://x', REDIS_URL: `http://:${secret}@host`, MAX_BODY_BYTES: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['MONGO_URL', 'REDIS_URL', 'MAX_BODY_BYTES']);
    expect(message).not.toContain(secret);
  });

  it('parses the environment once and serves the same object until reset', () => {
    const schema = z.object({ GREETING: z.string().default('hello') });
    process.env.GREETING = 'first';
    const first = loadConfig(schema);
    process.env.GREETING = 'second';
    expect(loadConfig(schema)).toBe(first);
    expect(first.GREETING).toBe('first');
    resetConfigCache(schema);
    expect(loadConfig(schema).GREETING).toBe('second');
    delete process.env.GREETING;
  });
});
