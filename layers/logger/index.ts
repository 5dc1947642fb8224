import pino, { type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line, whatever the caller passes. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'secret',
  '*.secret',
  'otp',
  '*.otp',
  'headers.authorization',
  'headers.cookie',
  'headers["idempotency-key"]',
  'headers["x-connector-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'card',
  '*.card',
];

export interface LoggerSettings {
  service: string;
  functionName: string;
  level?: string;
  destination?: DestinationStream;
  extraRedactPaths?: string[];
}

export const createLogger = (settings: LoggerSettings): Logger => {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service, function: settings.functionName },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACTED_PATHS, ...(settings.extraRedactPaths ?? [])], censor: '[REDACTED]' },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
};

/** The per-request logger: every line carries the trace and tenant it belongs to. */
export const requestLogger = (
  base: Logger,
  fields: { trace_id?: string; span_id?: string; tenantId?: string; requestId?: string },
): Logger => base.child(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
