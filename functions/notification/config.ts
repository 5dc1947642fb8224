import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '../../layers/config';

/**
 * The notification service's configuration: the base schema plus where mail and SMS go.
 * SMTP_URL and SMS_API_URL are optional outside production so every function of the stack
 * loads without them (the dev mailbox of `npm start` and the tests provide them); a send with
 * its channel unconfigured fails, is recorded as failed and retried like any delivery failure.
 */
export const notificationConfigSchema = baseConfigSchema
  .extend({
    /** smtp:// (STARTTLS when offered) or smtps:// (implicit TLS), credentials in the URL. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
      .optional(),
    MAIL_FROM: z.string().min(3).max(254).default('Marketplace <no-reply@marketplace.local>'),
    /** Milliseconds for connecting, the greeting and each SMTP command. */
    SMTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    SMS_API_URL: z.string().url().optional(),
    SMS_API_KEY: z.string().min(8).optional(),
    SMS_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  })
  .superRefine((config, ctx) => {
    if (config.SMS_API_URL && !config.SMS_API_KEY) ctx.addIssue({ code: 'custom', path: ['SMS_API_KEY'], message: 'required with SMS_API_URL' });
    if (config.NODE_ENV !== 'production') return;
    for (const name of ['SMTP_URL', 'SMS_API_URL', 'SMS_API_KEY'] as const) {
      if (!config[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required in production' });
    }
  });

export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

export const notificationConfig = (): NotificationConfig => loadConfig(notificationConfigSchema);
