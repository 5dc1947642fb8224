import { AppError } from '../errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, with our stable `code` extension. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://docs.marketplace.dev/problems/';

/** Maps any thrown value to a problem. Unknown errors become a 500 that reveals nothing inside. */
export const toProblem = (error: unknown, instance?: string): { problem: Problem; headers: Record<string, string> } => {
  if (error instanceof AppError) {
    return {
      // Extras first: an extra that shares a member's name (`status`, `code`…) can never replace it.
      problem: {
        ...error.extras,
        type: `${TYPE_BASE}${error.code}`,
        title: error.title,
        status: error.status,
        detail: error.message,
        ...(instance ? { instance } : {}),
        code: error.code,
      },
      headers: error.headers,
    };
  }
  return {
    problem: {
      type: `${TYPE_BASE}internal_error`,
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred.',
      ...(instance ? { instance } : {}),
      code: 'internal_error',
    },
    headers: {},
  };
};

export const problemResponse = (error: unknown, instance?: string) => {
  const { problem, headers } = toProblem(error, instance);
  return {
    statusCode: problem.status,
    headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' },
    body: problem,
  };
};
