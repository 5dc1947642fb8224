/** The SMS provider port: a provider accepts a text for a number and names the message it queued. */
export interface SmsProvider {
  send(to: string, text: string): Promise<{ providerId: string }>;
}

/** The provider refused, failed or did not answer; `status` is its HTTP status when it answered. */
export class SmsProviderError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SmsProviderError';
  }
}

export interface HttpSmsOptions {
  /** The provider's send endpoint. */
  url: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * The HTTP adapter: `POST url` with `{ to, text }` as JSON and `Authorization: Bearer <key>`,
 * expecting a 2xx with `{ id }`. Anything else is an error; neither the text nor the
 * provider's error body goes into the error, since either may hold the message's code.
 */
export const httpSmsProvider = ({ url, apiKey, timeoutMs, fetch = globalThis.fetch }: HttpSmsOptions): SmsProvider => ({
  async send(to, text) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ to, text }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new SmsProviderError(timedOut ? `SMS provider did not answer within ${timeoutMs} ms` : `SMS provider unreachable${cause ? ` (${cause})` : ''}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SmsProviderError(`SMS provider answered ${response.status}`, response.status);
    }
    const body = (await response.json().catch(() => undefined)) as { id?: unknown } | undefined;
    if (typeof body?.id !== 'string' || body.id.length === 0) throw new SmsProviderError('SMS provider answered without a message id', response.status);
    return { providerId: body.id };
  },
});
