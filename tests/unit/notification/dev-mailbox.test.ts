import { afterEach, describe, expect, it } from 'vitest';
import { smtpEmailSender } from '../../../functions/notification/email';
import { httpSmsProvider } from '../../../functions/notification/sms';
import { DEV_MAILBOX_PATH, startDevMailbox, type DevMailbox, type DevMailboxContents } from '../../../openfaas/gateway/dev-mailbox';

const lines: string[] = [];
const log = { info: (_fields: object, message: string) => lines.push(message) } as never;
let mailbox: DevMailbox | undefined;
afterEach(async () => {
  await mailbox?.stop();
  mailbox = undefined;
  lines.length = 0;
});

describe('dev mailbox', () => {
  it('stands in for unconfigured SMTP and SMS, sets their URLs, and lists what arrives newest first', async () => {
    const env: NodeJS.ProcessEnv = {};
    mailbox = await startDevMailbox(log, env);
    expect(mailbox?.applied).toEqual(['SMTP_URL', 'SMS_API_URL', 'SMS_API_KEY']);
    expect(env.SMTP_URL).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    expect(env.SMS_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/messages$/);

    const email = smtpEmailSender({ url: env.SMTP_URL!, from: 'dev@marketplace.local', timeoutMs: 2_000 });
    await email.send({ to: 'first@example.com', subject: 'First', text: 'Your code is 100200' });
    await email.send({ to: 'second@example.com', subject: 'Second', text: 'Your code is 300400' });
    await httpSmsProvider({ url: env.SMS_API_URL!, apiKey: env.SMS_API_KEY!, timeoutMs: 1_000 }).send('+15550100', 'Your code is 500600');

    const contents = (await mailbox!.routes[DEV_MAILBOX_PATH]!()) as DevMailboxContents;
    expect(contents.email.map((m) => m.subject)).toEqual(['Second', 'First']);
    expect(contents.sms).toEqual([expect.objectContaining({ to: '+15550100', text: 'Your code is 500600' })]);
    expect(lines.filter((line) => line.startsWith('dev mailbox: email captured'))).toHaveLength(2);
    expect(lines.some((line) => line.startsWith('dev mailbox: SMS captured'))).toBe(true);
  });

  it('starts only what the environment does not configure', async () => {
    const env: NodeJS.ProcessEnv = { SMTP_URL: 'smtp://mail.example.com:587' };
    mailbox = await startDevMailbox(log, env);
    expect(mailbox?.applied).toEqual(['SMS_API_URL', 'SMS_API_KEY']);
    expect(env.SMTP_URL).toBe('smtp://mail.example.com:587');
    expect(((await mailbox!.routes[DEV_MAILBOX_PATH]!()) as DevMailboxContents).email).toEqual([]);
  });

  it('does nothing when both are configured, or in production', async () => {
    const configured = { SMTP_URL: 'smtp://mail.example.com:587', SMS_API_URL: 'https://sms.example.com/send', SMS_API_KEY: 'k-123456789' };
    expect(await startDevMailbox(log, { ...configured })).toBeUndefined();
    const production: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
    expect(await startDevMailbox(log, production)).toBeUndefined();
    expect(production).toEqual({ NODE_ENV: 'production' });
  });
});
