import nodemailer from 'nodemailer';

/** The email port: what delivery needs from a mail server. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface EmailSender {
  /** Resolves once the server accepted the message; `providerId` is its Message-ID. */
  send(message: EmailMessage): Promise<{ providerId: string }>;
}

export interface SmtpOptions {
  /** smtp://[user:pass@]host:port or smtps://…; STARTTLS is used when the server offers it. */
  url: string;
  from: string;
  /** Applies to connecting, the greeting and every command. */
  timeoutMs: number;
}

/**
 * SMTP through nodemailer: one connection per message (no pool to go stale between warm
 * invocations), bounded by timeouts, and no attachment may be read from a file or URL.
 */
export const smtpEmailSender = ({ url, from, timeoutMs }: SmtpOptions): EmailSender => {
  const transport = nodemailer.createTransport(
    {
      url,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    } as Parameters<typeof nodemailer.createTransport>[0],
    { from },
  );
  return {
    async send({ to, subject, text, html }) {
      const info = await transport.sendMail({ to, subject, text, ...(html !== undefined ? { html } : {}) });
      return { providerId: String(info.messageId) };
    },
  };
};
