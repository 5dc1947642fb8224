import type { Invoke } from '../../triggers/invoke';

/**
 * How the trigger connector and the cron scheduler reach a function: an HTTP call to
 * `/function/<name>` on the gateway, as OpenFaaS connectors do. The body of the answer is
 * parsed as JSON when it says so, kept as text otherwise; a Retry-After is passed on.
 */
export const httpInvoke =
  (gatewayUrl: string): Invoke =>
  async (functionName, request) => {
    const response = await fetch(`${gatewayUrl}/function/${encodeURIComponent(functionName)}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    const text = await response.text();
    const json = /[/+]json\b/.test(response.headers.get('content-type') ?? '');
    let body: unknown = text.length > 0 ? text : undefined;
    if (json && text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text: a function that mislabels its body should still be reported
      }
    }
    const retryAfter = response.headers.get('retry-after');
    return { status: response.status, body, ...(retryAfter ? { retryAfter } : {}) };
  };
