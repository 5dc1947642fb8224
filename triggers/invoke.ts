/**
 * How the trigger connector and the cron scheduler call a function: the gateway passes an
 * `invoke` that runs the function's handler (in process locally, through the OpenFaaS gateway
 * in production), so neither knows how functions are hosted.
 */
export interface InvokeRequest {
  method: 'POST';
  /** After `/function/<name>`; always '' for events and schedules. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface InvokeResponse {
  status: number;
  body?: unknown;
  /** The function's Retry-After: it asks to be called again later (busy with this event, a lock, a dependency). */
  retryAfter?: string;
}

export type Invoke = (functionName: string, request: InvokeRequest) => Promise<InvokeResponse>;

export class InvokeTimeoutError extends Error {
  constructor(functionName: string, ms: number) {
    super(`${functionName} did not answer within ${ms} ms`);
    this.name = 'InvokeTimeoutError';
  }
}

/** Calls `invoke`, failing with InvokeTimeoutError when no answer comes within `ms`. */
export const invokeWithin =
  (invoke: Invoke, ms: number): Invoke =>
  async (functionName, request) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new InvokeTimeoutError(functionName, ms)), ms);
    });
    try {
      return await Promise.race([invoke(functionName, request), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
