import middy from '@middy/core';
import pino from 'pino';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../../layers/http/types';

export const silentLogger = pino({ level: 'silent' });

export const httpEvent = (overrides: Partial<HttpEvent> = {}): HttpEvent => ({
  method: 'POST',
  path: '',
  headers: { 'content-type': 'application/json' },
  query: {},
  body: undefined,
  params: {},
  ...overrides,
});

export const functionContext = (overrides: Partial<FunctionContext> = {}): FunctionContext => ({
  functionName: 'test-fn',
  requestId: 'req-1',
  log: silentLogger,
  ...overrides,
});

/** A middy handler echoing what the middlewares left on the event. */
export const echo = () =>
  middy<HttpEvent, HttpResponse, Error, FunctionContext>().handler(async (event) => ({
    statusCode: 200,
    headers: {},
    body: { body: event.body, params: event.params, query: event.query, headers: event.headers },
  }));
