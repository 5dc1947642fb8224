import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CloudEvent } from 'cloudevents';
import { UnauthorizedError } from '../errors';
import { fromHeaders, parseData, toHeaders } from './cloudevent';

/**
 * CloudEvents HTTP protocol binding, binary content mode, for the connector → function hop.
 * A consumer's route is reachable through the public gateway too, so when CONNECTOR_SECRET is
 * configured every delivery carries an HMAC of its event id and body, and anything else is
 * refused before it is parsed.
 */
export const SIGNATURE_HEADER = 'x-connector-signature';
export const TOPIC_HEADER = 'x-topic';

export interface HttpMessage {
  headers: Record<string, string>;
  body: string;
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `<ce-id>.<body>`); the dot keeps id and body apart. */
export const sign = (secret: string, id: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(id).update('.').update(body).digest('hex')}`;

export const isValidSignature = (secret: string, id: string, body: string, signature: string | undefined): boolean => {
  if (!signature) return false;
  const expected = Buffer.from(sign(secret, id, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/** The body exactly as it was signed: raw text, or the JSON an outer layer already parsed. */
export const rawBody = (body: unknown): string => {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString();
  return JSON.stringify(body);
};

/** Throws 401 unless the request carries the connector's signature over its `ce-id` and body. */
export const verifyConnectorSignature = (secret: string, headers: Record<string, string | undefined>, body: string): void => {
  if (!isValidSignature(secret, headers['ce-id'] ?? '', body, headers[SIGNATURE_HEADER])) {
    throw new UnauthorizedError('The request is not signed by the trigger connector.', 'invalid_signature');
  }
};

export interface DeliveryOptions {
  secret?: string;
  topic?: string;
  /** The trace context the invocation continues; the event's own by default. */
  traceparent?: string;
}

/** The signed POST that delivers `event` to a function. */
export const toHttpRequest = (event: CloudEvent<unknown>, options: DeliveryOptions = {}): HttpMessage => {
  const body = event.data === undefined ? '' : JSON.stringify(event.data);
  const headers = toHeaders(event, 'ce-');
  const traceparent = options.traceparent ?? (typeof event.traceparent === 'string' ? event.traceparent : undefined);
  if (traceparent) headers.traceparent = traceparent;
  if (options.topic) headers[TOPIC_HEADER] = options.topic;
  if (options.secret) headers[SIGNATURE_HEADER] = sign(options.secret, event.id, body);
  return { headers, body };
};

/** Reads the event a function was invoked with (header names lower-case), checking the signature first. */
export const fromHttpRequest = (headers: Record<string, string | undefined>, body: unknown, secret?: string): CloudEvent<unknown> => {
  const raw = rawBody(body);
  if (secret) verifyConnectorSignature(secret, headers, raw);
  return fromHeaders(headers, 'ce-', parseData(raw));
};
