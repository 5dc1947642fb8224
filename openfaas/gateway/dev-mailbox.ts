import type { Logger } from 'pino';
import type { Capture, CapturedMail, CapturedSms, SmsPeer, SmtpCapture } from '../../tests/support/mailbox';

/**
 * `npm start`'s mailbox: when the environment names no SMTP server (SMTP_URL) or no SMS
 * provider (SMS_API_URL), a local SMTP sink and SMS peer stand in for them, on loopback, and
 * their URLs become the environment before the functions load. What they capture is served by
 * the gateway at `GET /dev/mailbox` (newest first), so a developer can read verification codes.
 * It is the tests' mailbox (tests/support/mailbox.ts, dev dependencies smtp-server and
 * mailparser), loaded only when needed; a configured channel, or NODE_ENV=production, starts
 * nothing for that channel.
 */
export const DEV_MAILBOX_PATH = '/dev/mailbox';

/** How many messages of each kind the dev mailbox keeps (the oldest are dropped). */
const KEPT = 200;

export interface DevMailbox {
  /** Extra gateway routes: `/dev/mailbox`. */
  routes: Record<string, () => unknown>;
  /** The environment variables it set. */
  applied: string[];
  stop(): Promise<void>;
}

export interface DevMailboxContents {
  email: CapturedMail[];
  sms: CapturedSms[];
}

export const startDevMailbox = async (log: Pick<Logger, 'info'>, env: NodeJS.ProcessEnv = process.env): Promise<DevMailbox | undefined> => {
  if (env.NODE_ENV === 'production') return undefined;
  const needsSmtp = !env.SMTP_URL;
  const needsSms = !env.SMS_API_URL;
  if (!needsSmtp && !needsSms) return undefined;

  const { startSmtpCapture, startSmsPeer } = await import('../../tests/support/mailbox');
  const applied: string[] = [];
  let smtp: SmtpCapture | undefined;
  let sms: SmsPeer | undefined;
  if (needsSmtp) {
    smtp = await startSmtpCapture({
      maxMessages: KEPT,
      onMessage: (m) => log.info({ to: m.to, subject: m.subject }, `dev mailbox: email captured (GET ${DEV_MAILBOX_PATH})`),
    });
    env.SMTP_URL = smtp.url;
    applied.push('SMTP_URL');
  }
  if (needsSms) {
    sms = await startSmsPeer({ maxMessages: KEPT, onMessage: (m) => log.info({ to: m.to }, `dev mailbox: SMS captured (GET ${DEV_MAILBOX_PATH})`) });
    env.SMS_API_URL = sms.url;
    env.SMS_API_KEY = sms.apiKey;
    applied.push('SMS_API_URL', 'SMS_API_KEY');
  }
  log.info({ smtp: smtp?.url, sms: sms?.url, applied }, `dev mailbox: capturing what is sent; read it at GET ${DEV_MAILBOX_PATH}`);

  const contents = (): DevMailboxContents => ({ email: [...(smtp?.messages ?? [])].reverse(), sms: [...(sms?.messages ?? [])].reverse() });
  return {
    routes: { [DEV_MAILBOX_PATH]: contents },
    applied,
    stop: async () => {
      await Promise.all([smtp?.stop(), sms?.stop()]);
    },
  };
};

/**
 * The same `GET /dev/mailbox` route over captures started elsewhere (the end-to-end system's own
 * mailbox, tests/e2e/support/system.ts): the newest `kept` messages of each kind, newest first.
 * A channel with no capture serves an empty list.
 */
export const devMailboxRoutes = (
  captures: { smtp?: Pick<Capture<CapturedMail>, 'messages'>; sms?: Pick<Capture<CapturedSms>, 'messages'> },
  kept = KEPT,
): DevMailbox['routes'] => {
  const newest = <T>(messages: readonly T[] = []): T[] => messages.slice(-kept).reverse();
  const contents = (): DevMailboxContents => ({ email: newest(captures.smtp?.messages), sms: newest(captures.sms?.messages) });
  return { [DEV_MAILBOX_PATH]: contents };
};
