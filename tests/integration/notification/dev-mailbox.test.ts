import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpEmailSender } from '../../../functions/notification/email';
import { createLogger } from '../../../layers/logger';
import { startDevMailbox, type DevMailbox } from '../../../openfaas/gateway/dev-mailbox';
import { startGateway, type Gateway } from '../../../openfaas/gateway/server';

/** `npm start`'s wiring: the dev mailbox's route served by the real gateway. */
let dir: string;
let mailbox: DevMailbox;
let gateway: Gateway;
const env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dev-mailbox-'));
  writeFileSync(path.join(dir, 'stack.yml'), 'version: 1.0\nprovider: { name: openfaas }\nfunctions: {}\n');
  const logger = createLogger({ service: 'gateway', functionName: 'gateway', level: 'silent' });
  mailbox = (await startDevMailbox(logger, env))!;
  gateway = await startGateway({
    port: 0,
    stackPath: path.join(dir, 'stack.yml'),
    distDir: dir,
    devKeysPath: false,
    asyncApi: false,
    logger,
    extraRoutes: mailbox.routes,
  });
});
afterAll(async () => {
  await gateway?.close(1_000);
  await mailbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /dev/mailbox on the gateway', () => {
  it('lists the captured email as JSON', async () => {
    await smtpEmailSender({ url: env.SMTP_URL!, from: 'dev@marketplace.local', timeoutMs: 2_000 }).send({
      to: 'dev@example.com',
      subject: 'Verify your email address',
      text: 'Your verification code is 246810',
    });
    const response = await fetch(`${gateway.url}/dev/mailbox`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toMatchObject({
      email: [{ to: ['dev@example.com'], subject: 'Verify your email address', text: expect.stringContaining('Your verification code is 246810') }],
      sms: [],
    });
  });

  it('answers GET only; other paths stay unknown', async () => {
    expect((await fetch(`${gateway.url}/dev/mailbox`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${gateway.url}/dev/other`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});
