import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { smtpEmailSender } from '../../../functions/notification/email';
import { httpSmsProvider, SmsProviderError } from '../../../functions/notification/sms';
import { extractCode, extractResetToken, startMailbox, type Mailbox } from '../../support/mailbox';

let mailbox: Mailbox;
beforeAll(async () => {
  mailbox = await startMailbox();
});
afterAll(() => mailbox.stop());
beforeEach(() => {
  mailbox.smtp.refuse(false);
  mailbox.sms.fail(false);
});

describe('SMTP email sender (nodemailer) against a real SMTP server', () => {
  const sender = () => smtpEmailSender({ url: mailbox.env.SMTP_URL, from: 'Shop <no-reply@shop.test>', timeoutMs: 2_000 });

  it('delivers subject, text and HTML from the configured sender', async () => {
    const { providerId } = await sender().send({
      to: 'ada@example.com',
      subject: 'Code',
      text: 'Your code is 120934',
      html: '<p>Your code is <b>120934</b></p>',
    });
    const mail = await mailbox.smtp.waitFor((m) => m.messageId === providerId);
    expect(mail).toMatchObject({ to: ['ada@example.com'], from: 'no-reply@shop.test', subject: 'Code', text: 'Your code is 120934' });
    expect(mail.html).toContain('<b>120934</b>');
    expect(extractCode(mail)).toBe('120934');
  });

  it('rejects when the server refuses the message', async () => {
    mailbox.smtp.refuse(451);
    await expect(sender().send({ to: 'ada@example.com', subject: 'x', text: 'x' })).rejects.toMatchObject({ responseCode: 451 });
  });

  it('rejects when nothing listens', async () => {
    const closed = smtpEmailSender({ url: 'smtp://127.0.0.1:1', from: 'a@b.c', timeoutMs: 1_000 });
    await expect(closed.send({ to: 'ada@example.com', subject: 'x', text: 'x' })).rejects.toMatchObject({ code: 'ESOCKET' });
  });
});

describe('HTTP SMS provider against the SMS peer', () => {
  const provider = (apiKey = mailbox.env.SMS_API_KEY, url = mailbox.env.SMS_API_URL, timeoutMs = 1_000) => httpSmsProvider({ url, apiKey, timeoutMs });

  it('posts { to, text } with the bearer key and returns the provider id', async () => {
    const { providerId } = await provider().send('+447700900123', 'Your code is 554433');
    const sms = await mailbox.sms.waitFor((m) => m.id === providerId);
    expect(sms).toMatchObject({ to: '+447700900123', text: 'Your code is 554433' });
    expect(extractCode(sms)).toBe('554433');
  });

  it('fails on a wrong key (401), without the text in the error', async () => {
    const refusedBefore = mailbox.sms.unauthorized;
    const error = await provider('wrong-key-123')
      .send('+447700900123', 'Your code is 554433')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({ status: 401, message: 'SMS provider answered 401' });
    expect(mailbox.sms.unauthorized).toBe(refusedBefore + 1);
  });

  it('fails on any non-2xx', async () => {
    mailbox.sms.fail(503);
    await expect(provider().send('+447700900123', 'x')).rejects.toMatchObject({ status: 503 });
  });

  it('fails when the provider is unreachable or answers without an id', async () => {
    const gone = http.createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const closedPort = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    await expect(provider(undefined, `http://127.0.0.1:${closedPort}/messages`).send('+1', 'x')).rejects.toThrow('SMS provider unreachable (ECONNREFUSED)');
    const noId = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    await new Promise<void>((resolve) => noId.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(noId.address() as AddressInfo).port}/`;
    await expect(provider(undefined, url).send('+1', 'x')).rejects.toThrow('without a message id');
    noId.close();
  });

  it('gives up after its timeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    const started = Date.now();
    await expect(provider(undefined, url, 200).send('+1', 'x')).rejects.toThrow('did not answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
    silent.closeAllConnections();
    silent.close();
  });
});

describe('mailbox helpers', () => {
  it('extract a 6-digit code and a reset token, or say there is none', () => {
    expect(extractCode('Your code is 048213. It expires in 10 minutes.')).toBe('048213');
    expect(() => extractCode('code 1234567')).toThrow('No 6-digit code');
    expect(extractResetToken('Reset token: Zm9yLWEtc2FtcGxlLXJlc2V0LXRva2Vu\n')).toBe('Zm9yLWEtc2FtcGxlLXJlc2V0LXRva2Vu');
    expect(extractResetToken('https://shop.test/reset?token=abcDEF0123456789_-xy&x=1')).toBe('abcDEF0123456789_-xy');
    expect(() => extractResetToken('no token here')).toThrow('No reset token');
  });

  it('waitFor times out naming what was captured', async () => {
    await expect(mailbox.smtp.waitFor((m) => m.subject === 'never', 50)).rejects.toThrow(/No matching message within 50 ms/);
  });
});
