import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** Types for adapter.js, which stays plain CommonJS because it ships in the function image as is. */

export interface FunctionEvent {
  /** The raw text for text media types (and when no content-type is given), a Buffer otherwise. */
  body: string | Buffer;
  headers: IncomingHttpHeaders;
  method: string;
  query: Record<string, string | string[]>;
  path: string;
}

export interface FunctionContext {
  statusCode: number;
  headerValues: Record<string, unknown>;
  cbCalled: number;
  status(): number;
  status(code: number): FunctionContext;
  headers(): Record<string, unknown>;
  headers(values: Record<string, unknown>): FunctionContext;
  succeed(value?: unknown): unknown;
  fail(error?: unknown): undefined;
}

export type FunctionHandler = (event: FunctionEvent, context: FunctionContext) => unknown;

export interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

export const PROBLEM_CONTENT_TYPE: 'application/problem+json';
export function isTextMediaType(contentType: string | undefined): boolean;
export function makeEvent(req: Pick<IncomingMessage, 'url' | 'method' | 'headers'>, rawBody: Buffer | undefined, pathOverride?: string): FunctionEvent;
export function makeContext(callback?: (error: unknown, value?: unknown) => void): FunctionContext;
export function invokeHandler(handler: FunctionHandler, event: FunctionEvent, options?: { onError?: (error: unknown) => void }): Promise<Reply>;
export function resolveHandler(mod: unknown): FunctionHandler;
export function problemReply(status: number, code: string, title: string, detail?: string): Reply;
export function internalErrorReply(): Reply;
export function payloadTooLargeReply(limitBytes: number): Reply;
export const EMPTY_BODY: Buffer;
export function hasBody(req: Pick<IncomingMessage, 'headers'>): boolean;
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer | undefined>;
export function writeReply(req: Pick<IncomingMessage, 'method'>, res: ServerResponse, reply: Reply): void;
