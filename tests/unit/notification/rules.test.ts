import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  EXPIRED_REASON,
  failureReason,
  isExpired,
  markExpired,
  markFailed,
  markSent,
  messageIdOf,
  minutesUntil,
  startAttempt,
  templateIdOf,
  toMessage,
  toPage,
  toTemplate,
  type MessageDraft,
} from '../../../functions/notification/rules';

const t0 = new Date('2030-01-01T10:00:00.000Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

const draft: MessageDraft = {
  id: messageIdOf('0190a0a0-0000-7000-8000-000000000001', 'email'),
  tenantId: 't1',
  eventId: '0190a0a0-0000-7000-8000-000000000001',
  eventType: 'auth.code.issued.v1',
  templateKey: 'login-2fa',
  channel: 'email',
  locale: 'en',
  to: 'ada@example.com',
  subject: 'Your sign-in code',
  body: 'Your sign-in code is [redacted]',
};

describe('ids', () => {
  it('derive a message id from the event and the channel, a template id from tenant, key, channel and locale', () => {
    expect(messageIdOf('e1', 'email')).toBe('e1:email');
    expect(messageIdOf('e1', 'sms')).not.toBe(messageIdOf('e1', 'email'));
    expect(templateIdOf('t1', 'welcome', 'email', 'pt-BR')).toBe('t1:welcome:email:pt-BR');
  });
});

describe('expiry', () => {
  it('counts whole minutes up, never below zero', () => {
    expect(minutesUntil('2030-01-01T10:15:00.000Z', t0)).toBe(15);
    expect(minutesUntil('2030-01-01T10:14:01.000Z', t0)).toBe(15);
    expect(minutesUntil('2030-01-01T09:00:00.000Z', t0)).toBe(0);
  });

  it('is expired at and after the instant', () => {
    expect(isExpired(undefined, t0)).toBe(false);
    expect(isExpired('2030-01-01T10:00:01.000Z', t0)).toBe(false);
    expect(isExpired('2030-01-01T10:00:00.000Z', t0)).toBe(true);
  });
});

describe('message state machine', () => {
  it('a first attempt is pending with one attempt', () => {
    expect(startAttempt(undefined, draft, t0)).toEqual({
      ...draft,
      state: 'pending',
      attempts: 1,
      lastError: null,
      providerId: null,
      createdAt: t0.toISOString(),
      updatedAt: t0.toISOString(),
      sentAt: null,
    });
  });

  it('pending → sent keeps the provider id and when', () => {
    const sent = markSent(startAttempt(undefined, draft, t0)!, '<id@smtp>', later(1));
    expect(sent).toMatchObject({ state: 'sent', attempts: 1, providerId: '<id@smtp>', sentAt: later(1).toISOString(), updatedAt: later(1).toISOString() });
  });

  it('pending → failed keeps the reason, cut to 500 characters', () => {
    const failed = markFailed(startAttempt(undefined, draft, t0)!, 'x'.repeat(600), later(1));
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, sentAt: null });
    expect(failed.lastError).toHaveLength(500);
  });

  it('a failed or pending message is tried again, counting attempts from its record', () => {
    const failed = markFailed(startAttempt(undefined, draft, t0)!, 'ECONNREFUSED', later(1));
    const retry = startAttempt(failed, { ...draft, body: 'rendered again' }, later(5))!;
    expect(retry).toMatchObject({
      state: 'pending',
      attempts: 2,
      lastError: 'ECONNREFUSED',
      createdAt: t0.toISOString(),
      updatedAt: later(5).toISOString(),
      body: 'rendered again',
    });
    expect(startAttempt(retry, draft, later(6))).toMatchObject({ state: 'pending', attempts: 3 });
  });

  it('a sent message is never tried again', () => {
    expect(startAttempt(markSent(startAttempt(undefined, draft, t0)!, 'p', later(1)), draft, later(2))).toBeUndefined();
  });

  it('an expired code is recorded failed without an attempt, or keeps the attempts it had', () => {
    expect(markExpired(undefined, draft, t0)).toMatchObject({ state: 'failed', attempts: 0, lastError: EXPIRED_REASON, createdAt: t0.toISOString() });
    const failed = markFailed(startAttempt(undefined, draft, t0)!, 'down', later(1));
    expect(markExpired(failed, draft, later(2))).toMatchObject({ state: 'failed', attempts: 1, lastError: EXPIRED_REASON, createdAt: t0.toISOString() });
  });

  it('shows a record without its tenant', () => {
    const record = startAttempt(undefined, draft, t0)!;
    expect(toMessage(record)).not.toHaveProperty('tenantId');
    expect(toMessage(record)).toMatchObject({ id: draft.id, body: draft.body });
  });
});

describe('failureReason', () => {
  it('is the error code and the first line of its message', () => {
    expect(failureReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1\nstack'), { code: 'ESOCKET' }))).toBe(
      'ESOCKET: connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(failureReason(new Error('plain'))).toBe('plain');
    expect(failureReason('thrown string')).toBe('thrown string');
  });
});

describe('templates and pages', () => {
  it('shows a stored template as the tenant one', () => {
    expect(
      toTemplate({ tenantId: 't1', key: 'welcome', channel: 'sms', locale: 'en', text: 'Hi', version: 2, createdAt: 'a', updatedAt: 'b', updatedBy: 'u1' }),
    ).toEqual({ key: 'welcome', channel: 'sms', locale: 'en', text: 'Hi', source: 'tenant', version: 2, updatedAt: 'b', updatedBy: 'u1' });
  });

  it('cursors round-trip, and a page says whether more follow', () => {
    expect(decodeCursor(encodeCursor('e1:email'))).toBe('e1:email');
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(toPage(['a', 'b', 'c'], 2, (x) => x)).toEqual({ items: ['a', 'b'], nextCursor: encodeCursor('b') });
    expect(toPage(['a', 'b'], 2, (x) => x)).toEqual({ items: ['a', 'b'], nextCursor: null });
  });
});
