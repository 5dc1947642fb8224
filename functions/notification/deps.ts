import { circuitBreaker } from '../../layers/circuit-breaker';
import { unseal } from '../../layers/sealing';
import { notificationConfig } from './config';
import type { DeliverDeps } from './deliver';
import { smtpEmailSender, type EmailSender } from './email';
import { contactStore, messageStore, templateStore, type ContactStore } from './repository';
import { httpSmsProvider, type SmsProvider } from './sms';

class ChannelNotConfiguredError extends Error {
  constructor(variable: string) {
    super(`${variable} is not configured`);
    this.name = 'ChannelNotConfiguredError';
  }
}

/**
 * The senders, made from the configuration. Each send goes through a circuit breaker (no
 * timeout of its own: the adapters bound their calls, and a breaker timeout would leave a send
 * running that a retry would repeat).
 */
const makeSenders = (): Pick<DeliverDeps, 'email' | 'sms'> => {
  const config = notificationConfig();
  const email: EmailSender = config.SMTP_URL
    ? smtpEmailSender({ url: config.SMTP_URL, from: config.MAIL_FROM, timeoutMs: config.SMTP_TIMEOUT_MS })
    : { send: async () => Promise.reject(new ChannelNotConfiguredError('SMTP_URL')) };
  const sms: SmsProvider =
    config.SMS_API_URL && config.SMS_API_KEY
      ? httpSmsProvider({ url: config.SMS_API_URL, apiKey: config.SMS_API_KEY, timeoutMs: config.SMS_TIMEOUT_MS })
      : { send: async () => Promise.reject(new ChannelNotConfiguredError('SMS_API_URL')) };
  return {
    // Looked up by name on every send, so the breaker's state is shared and survives a reset.
    email: { send: (message) => circuitBreaker('smtp', email.send, { timeout: false })(message) },
    sms: { send: (to, text) => circuitBreaker('sms-provider', sms.send, { timeout: false })(to, text) },
  };
};

// At cold start: a configuration the schema refuses fails the function's load, not its first event.
const senders = makeSenders();

/** What the notification consumers need; handlers wire the real ones. */
export const deliverDeps = async (): Promise<DeliverDeps> => {
  const [templates, messages] = await Promise.all([templateStore(), messageStore()]);
  return { templates, messages, ...senders, unseal: (sealed) => unseal(sealed), now: () => new Date() };
};

/** What the commerce consumers need besides delivery: the contact projection. */
export interface ContactDeps {
  contacts: ContactStore;
}

export const contactDeps = async (): Promise<ContactDeps> => ({ contacts: await contactStore() });
