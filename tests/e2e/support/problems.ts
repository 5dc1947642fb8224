import { expect } from 'vitest';
import type { Reply } from './system';

/** An RFC 9457 problem answer with this status (and stable code, when given). */
export const expectProblem = (reply: Reply, status: number, code?: string): void => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body).toMatchObject({ status, title: expect.any(String), type: expect.stringContaining('/problems/'), ...(code ? { code } : {}) });
};
