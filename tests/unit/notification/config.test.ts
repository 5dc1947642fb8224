import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../layers/config';
import { ConfigError } from '../../../layers/errors';
import { notificationConfigSchema } from '../../../functions/notification/config';

const problems = (env: Record<string, string>): string[] => {
  try {
    parseConfig(notificationConfigSchema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
};

describe('notification config', () => {
  it('extends the base config with mail and SMS settings and defaults', () => {
    const config = parseConfig(notificationConfigSchema, {
      SMTP_URL: 'smtp://127.0.0.1:2525',
      SMS_API_URL: 'http://127.0.0.1:9/messages',
      SMS_API_KEY: 'key-12345',
    });
    expect(config).toMatchObject({
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MAIL_FROM: 'Marketplace <no-reply@marketplace.local>',
      SMTP_TIMEOUT_MS: 10_000,
      SMS_TIMEOUT_MS: 5_000,
    });
    expect(config.MONGO_URL).toBe('mongodb://127.0.0.1:27017/marketplace');
  });

  it('lets development run without mail or SMS', () => {
    expect(problems({})).toEqual([]);
  });

  it('names every missing or bad variable, never its value', () => {
    expect(problems({ SMTP_URL: 'http://user:hunter2@mail', SMS_API_URL: 'http://sms' })).toEqual([
      'SMTP_URL: must be an smtp:// or smtps:// URL',
      'SMS_API_KEY: required with SMS_API_URL',
    ]);
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'SMTP_URL: required in production',
      'SMS_API_URL: required in production',
      'SMS_API_KEY: required in production',
    ]);
  });
});
