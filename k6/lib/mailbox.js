import http from 'k6/http';
import { check, sleep } from 'k6';
import { GATEWAY } from './api.js';

// The local mailbox: `npm start` (openfaas/gateway/dev-mailbox.ts) and the end-to-end system
// (tests/e2e/support/system.ts) capture what the notification service sends and serve it at
// `GET <GATEWAY_URL>/dev/mailbox` as `{ email: [...], sms: [...] }`, newest first. Where it answers
// 200, the scripts whose next step needs a one-time code or reset token read it from there and
// drive the real flow; where it is absent (404: a deployed gateway, a configured SMTP server),
// they keep to the refusal paths a client can drive without it.

export const MAILBOX_URL = `${GATEWAY}/dev/mailbox`;

const EXPECTED = http.expectedStatuses(200, 404);

const read = () => http.get(MAILBOX_URL, { tags: { name: 'dev-mailbox' }, responseCallback: EXPECTED });

let available;

/** Whether the gateway serves the dev mailbox (asked once per VU; call it from setup() to decide a run's mode). */
export const hasMailbox = () => {
  if (available === undefined) {
    const res = read();
    if (res.status !== 200 && res.status !== 404) console.warn(`GET /dev/mailbox answered ${res.status}: taken as absent`);
    available = res.status === 200;
  }
  return available;
};

/** The 6-digit code of a text (the built-in templates: "Your verification code is 482913"). */
export const extractCode = (text) => {
  const match = /(?:^|\D)(\d{6})(?:\D|$)/.exec(text);
  return match ? match[1] : undefined;
};

/** A password reset token: what follows `token:` ("Reset token: …") or `token=` (a link's query). */
export const extractResetToken = (text) => {
  const match = /token(?::\s*|=)([A-Za-z0-9_~.-]{16,})/i.exec(text);
  return match ? match[1] : undefined;
};

/**
 * What each one-time secret's message looks like in the built-in templates
 * (functions/notification/templates.ts): the email's subject, the SMS's text, and how the secret
 * is written. A tenant's own templates may word them otherwise.
 */
export const PURPOSES = {
  'email-verification': { subject: /verif/i, sms: /verification code/i, extract: extractCode },
  'login-2fa': { subject: /sign-in code/i, sms: /sign-in code/i, extract: extractCode },
  '2fa-setup': { subject: /two-factor/i, sms: /two-factor/i, extract: extractCode },
  'password-reset': { subject: /reset/i, sms: /reset token/i, extract: extractResetToken },
};

/** The secret of the newest message to `to` for `purpose` that is not in `skip`, in one mailbox reading. */
export const findSecret = (contents, to, purpose, skip = []) => {
  const kind = PURPOSES[purpose];
  if (!kind) throw new Error(`unknown purpose ${purpose}; one of ${Object.keys(PURPOSES).join(', ')}`);
  const address = String(to).toLowerCase();
  const messages = address.includes('@')
    ? (contents.email || []).filter((m) => (m.to || []).some((r) => String(r).toLowerCase() === address) && kind.subject.test(m.subject || ''))
    : (contents.sms || []).filter((m) => m.to === to && kind.sms.test(m.text || ''));
  for (const message of messages) {
    const secret = kind.extract(message.text || '');
    if (secret && !skip.includes(secret)) return secret;
  }
  return undefined;
};

/**
 * Polls the mailbox (every `intervalS`, for up to `timeoutS`) for the newest message to `to` (an
 * email address or a phone number) for `purpose` whose secret is not in `skip` (secrets used
 * already: a resend's new code, the next reset token), and returns that code or token. Checks
 * that it came; undefined when it did not (or when there is no mailbox).
 */
export const awaitSecret = (to, purpose, { skip = [], timeoutS = 20, intervalS = 0.25 } = {}) => {
  let secret;
  if (hasMailbox()) {
    for (let waited = 0; waited <= timeoutS && !secret; waited += intervalS) {
      const res = read();
      if (res.status === 200) secret = findSecret(res.json(), to, purpose, skip);
      if (!secret) sleep(intervalS);
    }
  }
  const ok = check(secret, { [`${purpose} message in the mailbox`]: (s) => Boolean(s) });
  if (!ok) console.warn(`no ${purpose} message to ${to} in ${MAILBOX_URL} within ${timeoutS} s`);
  return secret;
};
