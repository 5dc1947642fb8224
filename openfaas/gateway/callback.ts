import { circuitBreaker } from '../../layers/circuit-breaker';
import type { Reply } from '../template/node20-middy/adapter';

/**
 * The result of an async invocation, POSTed to the caller's `X-Callback-Url` as OpenFaaS's
 * queue-worker does: the function's body and content type, with `X-Call-Id`,
 * `X-Function-Status` (the function's HTTP status), `X-Function-Name` and
 * `X-Duration-Seconds`. One breaker per callback host, so a dead receiver fails fast without
 * slowing the callbacks of others.
 */
export interface CallbackDelivery {
  url: URL;
  callId: string;
  functionName: string;
  reply: Reply;
  seconds: number;
}

export const callbackHeaders = (delivery: CallbackDelivery): Record<string, string> => {
  const contentType = delivery.reply.headers['content-type'];
  return {
    ...(contentType ? { 'content-type': String(contentType) } : {}),
    'x-call-id': delivery.callId,
    'x-function-status': String(delivery.reply.status),
    'x-function-name': delivery.functionName,
    'x-duration-seconds': delivery.seconds.toFixed(6),
  };
};

const post = async (delivery: CallbackDelivery, timeoutMs: number): Promise<number> => {
  const response = await fetch(delivery.url, {
    method: 'POST',
    headers: callbackHeaders(delivery),
    body: delivery.reply.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.arrayBuffer();
  if (response.status >= 500) throw new Error(`callback ${delivery.url.host} answered ${response.status}`);
  return response.status;
};

/** Posts the result through the breaker of the callback's host; resolves with the receiver's status. */
export const deliverCallback = (delivery: CallbackDelivery, timeoutMs = 5_000): Promise<number> =>
  circuitBreaker(`gateway-callback:${delivery.url.host}`, post, { timeout: timeoutMs + 1_000 })(delivery, timeoutMs);
