import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/**
 * A mailbox for tests and local runs: a real SMTP server (smtp-server, messages parsed by
 * mailparser) and an HTTP SMS provider peer, both in-process on 127.0.0.1, capturing what
 * the notification service sends. Integration and end-to-end tests read codes from it; the
 * gateway's dev mailbox (`npm start`) is the same thing behind `GET /dev/mailbox`.
 *
 *   const mailbox = await startMailbox();
 *   Object.assign(process.env, mailbox.env);          // SMTP_URL, SMS_API_URL, SMS_API_KEY
 *   const mail = await mailbox.smtp.waitFor((m) => m.to.includes('ada@example.com'));
 *   const code = extractCode(mail);
 */
export interface CapturedMail {
  /** Envelope recipients. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  /** '' when the message had no HTML part. */
  html: string;
  messageId: string;
  receivedAt: string;
}

export interface CapturedSms {
  id: string;
  to: string;
  text: string;
  receivedAt: string;
}

/** Messages captured so far, in arrival order, and a way to wait for one. */
export interface Capture<T> {
  readonly messages: readonly T[];
  /** The first message (already captured or arriving within `timeoutMs`) that matches. */
  waitFor(predicate?: (message: T) => boolean, timeoutMs?: number): Promise<T>;
  clear(): void;
}

export interface SmtpCapture extends Capture<CapturedMail> {
  url: string;
  port: number;
  /** Refuse every message with this SMTP reply code (e.g. 451, 550), or accept them again with false. */
  refuse(code: number | false): void;
  stop(): Promise<void>;
}

export interface SmsPeer extends Capture<CapturedSms> {
  /** The send endpoint to configure as SMS_API_URL. */
  url: string;
  apiKey: string;
  /** Answer every send with this HTTP status, or accept them again with false. */
  fail(status: number | false): void;
  /** Requests refused for a missing or wrong bearer key. */
  readonly unauthorized: number;
  stop(): Promise<void>;
}

export interface CaptureOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Keep at most this many messages, dropping the oldest (unbounded by default). */
  maxMessages?: number;
}

interface Observed<T> {
  /** Called with each message as it is captured. */
  onMessage?: (message: T) => void;
}

const DEFAULT_WAIT_MS = 10_000;

const makeCapture = <T>(describe: (message: T) => string, { maxMessages = Infinity, onMessage }: CaptureOptions & Observed<T>) => {
  const messages: T[] = [];
  const arrivals = new EventEmitter();
  const push = (message: T): void => {
    messages.push(message);
    if (messages.length > maxMessages) messages.splice(0, messages.length - maxMessages);
    arrivals.emit('message', message);
    onMessage?.(message);
  };
  const waitFor = (predicate: (message: T) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<T> => {
    const found = messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const onMessage = (message: T) => {
        if (!predicate(message)) return;
        clearTimeout(timer);
        arrivals.off('message', onMessage);
        resolve(message);
      };
      const timer = setTimeout(() => {
        arrivals.off('message', onMessage);
        const seen = messages.map(describe).join('; ') || 'none';
        reject(new Error(`No matching message within ${timeoutMs} ms (captured: ${seen})`));
      }, timeoutMs);
      arrivals.on('message', onMessage);
    });
  };
  const capture: Capture<T> = {
    messages,
    waitFor,
    clear: () => {
      messages.length = 0;
    },
  };
  return { capture, push };
};

const listen = (
  server: { listen: (port: number, host: string, cb: () => void) => unknown; once: (e: 'error', cb: (err: Error) => void) => unknown },
  port: number,
  host: string,
) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });

/** A real SMTP server that accepts every message (unless told to refuse) and keeps it parsed. */
export const startSmtpCapture = async (options: CaptureOptions & Observed<CapturedMail> = {}): Promise<SmtpCapture> => {
  const host = options.host ?? '127.0.0.1';
  const { capture, push } = makeCapture<CapturedMail>((m) => `${m.to.join(',')} "${m.subject}"`, options);
  let refusing: number | false = false;
  const refusal = (code: number) => Object.assign(new Error(`Refused by the test mailbox (${code})`), { responseCode: code });

  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS to negotiate with a self-signed certificate, no AUTH.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    banner: 'marketplace test mailbox',
    size: 10 * 1024 * 1024,
    onMailFrom(_address, _session, callback) {
      callback(refusing === false ? undefined : refusal(refusing));
    },
    onData(stream, session: SMTPServerSession, callback) {
      simpleParser(stream)
        .then((parsed) => {
          push({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            receivedAt: new Date().toISOString(),
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await listen(server as never, options.port ?? 0, host);
  const { port } = (server as unknown as { server: Server }).server.address() as AddressInfo;
  return {
    ...capture,
    url: `smtp://${host}:${port}`,
    port,
    refuse: (code) => {
      refusing = code;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const readJson = async (req: IncomingMessage, maxBytes = 64 * 1024): Promise<unknown> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

const reply = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

export interface SmsPeerOptions extends CaptureOptions, Observed<CapturedSms> {
  /** The bearer key the peer expects; random by default. */
  apiKey?: string;
}

/**
 * An SMS provider peer speaking the HTTP adapter's contract: `POST /messages` with
 * `Authorization: Bearer <key>` and `{ to, text }`, answered `201 { id }`.
 */
export const startSmsPeer = async (options: SmsPeerOptions = {}): Promise<SmsPeer> => {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? randomBytes(18).toString('base64url');
  const { capture, push } = makeCapture<CapturedSms>((m) => `${m.to} "${m.text.slice(0, 40)}"`, options);
  let failing: number | false = false;
  let unauthorized = 0;
  let sequence = 0;

  const server = http.createServer((req, res) => {
    const handle = async (): Promise<void> => {
      if (req.url !== '/messages') return reply(res, 404, { error: 'not found' });
      if (req.method !== 'POST') return reply(res, 405, { error: 'method not allowed' });
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        unauthorized += 1;
        return reply(res, 401, { error: 'invalid api key' });
      }
      if (failing !== false) return reply(res, failing, { error: 'failing on purpose' });
      const body = (await readJson(req).catch(() => undefined)) as { to?: unknown; text?: unknown } | undefined;
      if (typeof body?.to !== 'string' || typeof body.text !== 'string' || !body.to || !body.text)
        return reply(res, 400, { error: 'to and text are required' });
      sequence += 1;
      const id = `sms-${sequence}-${randomBytes(4).toString('hex')}`;
      push({ id, to: body.to, text: body.text, receivedAt: new Date().toISOString() });
      reply(res, 201, { id });
    };
    handle().catch(() => reply(res, 500, { error: 'peer failure' }));
  });
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  return {
    ...capture,
    url: `http://${host}:${port}/messages`,
    apiKey,
    fail: (status) => {
      failing = status;
    },
    get unauthorized() {
      return unauthorized;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export interface Mailbox {
  smtp: SmtpCapture;
  sms: SmsPeer;
  /** The notification service's environment for this mailbox. */
  env: { SMTP_URL: string; SMS_API_URL: string; SMS_API_KEY: string };
  stop(): Promise<void>;
}

/** Both peers at once. */
export const startMailbox = async (options: CaptureOptions & { apiKey?: string } = {}): Promise<Mailbox> => {
  const [smtp, sms] = await Promise.all([startSmtpCapture(options), startSmsPeer(options)]);
  return {
    smtp,
    sms,
    env: { SMTP_URL: smtp.url, SMS_API_URL: sms.url, SMS_API_KEY: sms.apiKey },
    stop: async () => {
      await Promise.all([smtp.stop(), sms.stop()]);
    },
  };
};

const textOf = (message: string | CapturedMail | CapturedSms): string => (typeof message === 'string' ? message : message.text);

/** The 6-digit code of a captured email or SMS (or of a text); throws when there is none. */
export const extractCode = (message: string | CapturedMail | CapturedSms): string => {
  const match = /(?<!\d)(\d{6})(?!\d)/.exec(textOf(message));
  if (!match) throw new Error(`No 6-digit code in: ${textOf(message).slice(0, 200)}`);
  return match[1]!;
};

/**
 * The password reset token of a captured message: what follows `token:` (as in the built-in
 * template's "Reset token: …") or `token=` (a link's query); throws when there is none.
 */
export const extractResetToken = (message: string | CapturedMail | CapturedSms): string => {
  const match = /token(?::\s*|=)([A-Za-z0-9_~.-]{16,})/i.exec(textOf(message));
  if (!match) throw new Error(`No reset token in: ${textOf(message).slice(0, 200)}`);
  return match[1]!;
};
