import { AppError } from '../../layers/errors';
import type { FunctionEvent, Reply } from '../template/node20-middy/adapter';

/**
 * A function served by a pod of its own: the gateway forwards the invocation to the pod's
 * watchdog (or the template's server), as OpenFaaS's gateway forwards to a function's service.
 * A pod that does not answer (refused, reset, gone mid-request) is a 502 problem
 * `function_unreachable`, which the trigger connector waits out rather than blaming the event.
 */
export class FunctionUnreachableError extends AppError {
  constructor(functionName: string, reason: string) {
    super(502, 'function_unreachable', 'Bad Gateway', `${functionName} did not answer: ${reason}`);
  }
}

/** Hop-by-hop headers, and the length the new request recomputes. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'host', 'te', 'trailer']);

const searchOf = (query: FunctionEvent['query']): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) for (const one of ([] as string[]).concat(value)) search.append(name, one);
  const text = search.toString();
  return text ? `?${text}` : '';
};

const forwardable = (headers: Record<string, string | string[] | undefined>): Record<string, string> => {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name.toLowerCase())) kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
};

/** The pod's reply; a pod that cannot be reached or drops the connection rejects with FunctionUnreachableError. */
export const forwardToPod = async (functionName: string, baseUrl: string, event: FunctionEvent): Promise<Reply> => {
  const hasBody = event.method !== 'GET' && event.method !== 'HEAD' && event.body.length > 0;
  let response: Response;
  let body: Buffer;
  try {
    response = await fetch(`${baseUrl}${event.path || '/'}${searchOf(event.query)}`, {
      method: event.method,
      headers: forwardable(event.headers),
      ...(hasBody ? { body: event.body } : {}),
    });
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FunctionUnreachableError(functionName, cause?.code ?? cause?.message ?? (error as Error).message);
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name)) headers[name] = value;
  });
  return { status: response.status, headers, body };
};
