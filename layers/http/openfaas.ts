import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { collectProcessMetrics, registry } from '../metrics';
import { extractContext, inSpan } from '../tracing';
import { problemResponse } from './problem';
import type { HttpEvent, HttpResponse } from './types';

/** What the OpenFaaS node20 template hands a function (see openfaas/template). */
export interface OpenFaasEvent {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  query: Record<string, unknown>;
  path: string;
}

export interface OpenFaasContext {
  status(code: number): OpenFaasContext;
  headers(headers: Record<string, string>): OpenFaasContext;
  succeed(value: unknown): unknown;
  fail(error: unknown): unknown;
}

export type OpenFaasHandler = ((event: OpenFaasEvent, context: OpenFaasContext) => Promise<unknown>) & {
  /** The operation's description, read by the gateway (routing, OpenAPI, /system/functions). */
  operation?: unknown;
  /** This function's Prometheus exposition, served by the template on its metrics port (a pod's own /metrics). */
  scrape?: () => Promise<{ contentType: string; body: string }>;
};

/** A pod's scrape: the function's series plus the process's own (heap, CPU, event loop lag), registered on first use. */
const scrape = async (): Promise<{ contentType: string; body: string }> => {
  collectProcessMetrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
};

type MiddyLike = (event: HttpEvent, context: { functionName: string; requestId: string } & Record<string, unknown>) => Promise<HttpResponse>;

const single = (value: unknown): string | undefined => (Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value));

export const toHttpEvent = (event: OpenFaasEvent): HttpEvent => {
  const headers: Record<string, string | undefined> = {};
  const given = event.headers ?? {};
  for (const name of Object.keys(given)) headers[name.toLowerCase()] = single(given[name]);
  const query: Record<string, string | undefined> = {};
  const asked = event.query ?? {};
  for (const name of Object.keys(asked)) query[name] = single(asked[name]);
  return {
    method: (event.method ?? 'GET').toUpperCase(),
    path: event.path && event.path !== '/' ? event.path : '',
    headers,
    query,
    body: event.body,
    params: {},
    sourceIp: headers['x-forwarded-for']?.split(',')[0]?.trim() ?? headers['x-real-ip'],
  };
};

/**
 * Adapts a middy handler to the OpenFaaS `(event, context)` contract. The invocation runs in
 * a server span continuing the caller's `traceparent`; nothing thrown ever reaches the
 * template, whose own error path would answer with raw text.
 */
export const openfaas = (functionName: string, handler: MiddyLike, operation?: unknown): OpenFaasHandler => {
  const invoke = async (event: OpenFaasEvent, context: OpenFaasContext): Promise<unknown> => {
    const httpEvent = toHttpEvent(event);
    const requestId = httpEvent.headers['x-call-id'] ?? httpEvent.headers['x-request-id'] ?? randomUUID();
    let response: HttpResponse;
    try {
      response = await inSpan(
        `${httpEvent.method} ${functionName}`,
        { parent: extractContext(httpEvent.headers), kind: SpanKind.SERVER, attributes: { 'faas.name': functionName } },
        () => handler(httpEvent, { functionName, requestId }),
      );
    } catch (error) {
      response = problemResponse(error, `urn:request:${requestId}`);
    }
    const headers: Record<string, string> = { 'x-request-id': requestId, ...response.headers };
    if (response.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    return context.status(response.statusCode).headers(headers).succeed(response.body);
  };
  return Object.assign(invoke, { operation, scrape });
};
