import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_PATHS } from '../../../../layers/logger';

const capture = () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      // Stack traces differ with the caller: compared up to their first line.
      lines.push(
        chunk
          .toString()
          .replace(/"time":"[^"]*",/, '')
          .replace(/\\n {4}at [^"]*/g, ''),
      );
      done();
    },
  });
  return { lines, destination };
};

/** pino redacting every path itself, as createLogger did before it took over the `*.key` paths. */
const reference = (destination: Writable): Logger =>
  pino(
    {
      level: 'debug',
      base: { service: 'svc', function: 'fn' },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    },
    destination,
  );

class WithSecret extends Error {
  password = 'hunter2';
}

const scenarios: [string, (log: Logger) => void][] = [
  ['top-level secrets', (log) => log.info({ password: 'p', token: { nested: 1 }, card: ['4242'], ok: 1 }, 'top')],
  ['secrets one level down', (log) => log.info({ user: { name: 'ann', password: 'p', otp: 123456 }, body: { newPassword: 'n', keep: true } }, 'nested')],
  ['two levels down stays', (log) => log.info({ a: { b: { password: 'deep' } } }, 'deep')],
  [
    'headers and req',
    (log) =>
      log.info(
        {
          headers: { authorization: 'Bearer x', cookie: 'c', 'idempotency-key': 'k', secret: 's', accept: '*/*' },
          req: { headers: { authorization: 'a', cookie: 'c' }, token: 't' },
        },
        'http',
      ),
  ],
  ['arrays, nulls and dates', (log) => log.info({ list: [{ password: 'in array' }], none: null, at: new Date(0) }, 'shapes')],
  ['an error with a secret, as err and elsewhere', (log) => log.error({ err: new WithSecret('boom'), other: new WithSecret('again') }, 'failed')],
  ['a plain error', (log) => log.error({ err: new Error('plain', { cause: new Error('why') }) }, 'failed')],
  [
    'inherited and accessor secrets',
    (log) =>
      log.info(
        {
          proto: Object.create({ secret: 'inherited' }),
          getter: {
            get accessToken() {
              return 'a';
            },
            shown: 1,
          },
        },
        'exotic',
      ),
  ],
  ['message only', (log) => log.warn('just words')],
  [
    'interpolation',
    (log) => log.info('user %j and %o, list %j', { name: 'x', password: 'p', inner: { token: 't' } }, { refreshToken: 'r' }, [{ password: 'p' }]),
  ],
  ['object and interpolation', (log) => log.info({ user: { secret: 's' } }, 'with %j', { a: { card: 'c' } })],
  ['a root array', (log) => (log as unknown as { info(obj: unknown, msg: string): void }).info([{ password: 'p' }, 'x'], 'array root')],
  ['child bindings', (log) => log.child({ user: { password: 'p', id: 1 }, requestId: 'r' }).info({ done: true }, 'child')],
  [
    'grandchild bindings',
    (log) =>
      log
        .child({ a: 1 })
        .child({ session: { token: 't' } })
        .info('grandchild'),
  ],
  ['secret key names as bindings', (log) => log.child({ secret: { x: 1 }, headers: { cookie: 'c' } }).info('bound')],
];

describe('createLogger redaction', () => {
  it.each(scenarios)('writes what pino redacting every path itself writes: %s', (_name, scenario) => {
    const ours = capture();
    const theirs = capture();
    scenario(createLogger({ service: 'svc', functionName: 'fn', level: 'debug', destination: ours.destination }));
    scenario(reference(theirs.destination));
    expect(ours.lines).toEqual(theirs.lines);
    expect(ours.lines.join('')).not.toMatch(/hunter2|"p"|Bearer x/);
  });

  it('leaves the logged objects untouched', () => {
    const { destination } = capture();
    const user = { name: 'ann', password: 'p' };
    createLogger({ service: 'svc', functionName: 'fn', destination }).info({ user }, 'x');
    expect(user.password).toBe('p');
  });
});
