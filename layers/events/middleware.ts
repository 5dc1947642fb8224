import type middy from '@middy/core';
import type { z } from 'zod';
import { UnprocessableError } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';
import { toFieldIssues } from '../validation';
import { toConsumedEvent, type ConsumedEvent } from './cloudevent';
import { fromHttpRequest, rawBody, verifyConnectorSignature } from './http-binding';

type Middleware = middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext>;
type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>;

export interface ConnectorSignatureOptions {
  /** CONNECTOR_SECRET; when unset (local development) every request is accepted. */
  secret?: string;
}

/** Refuses (401) an invocation the trigger connector or the cron scheduler did not sign. */
export const connectorSignature = (opts: ConnectorSignatureOptions = {}): Middleware => {
  const { secret } = opts;
  const connectorSignatureBefore = async (request: Request): Promise<void> => {
    if (secret) verifyConnectorSignature(secret, request.event.headers, rawBody(request.event.body));
  };
  return { before: connectorSignatureBefore };
};

export interface CloudEventBodyOptions {
  /** The data schema of each event type the function consumes. */
  schemas: Record<string, z.ZodType>;
}

/**
 * Replaces the body with the CloudEvent it carries in binary mode (a `ConsumedEvent`), its data
 * validated when the type is consumed, and scopes the invocation to the event's tenant. A
 * malformed event is a 400, data that breaks its schema a 422: both go to the DLQ at once.
 */
export const cloudEventBody = (opts: CloudEventBodyOptions): Middleware => {
  const { schemas } = opts;
  const cloudEventBodyBefore = async (request: Request): Promise<void> => {
    const { event, context } = request;
    const consumed: ConsumedEvent = toConsumedEvent(fromHttpRequest(event.headers, event.body));
    const schema = schemas[consumed.type];
    if (schema) {
      const result = schema.safeParse(consumed.data);
      if (!result.success) {
        throw new UnprocessableError(`The data of ${consumed.type} does not match its schema.`, 'invalid_event_data', {
          errors: toFieldIssues(result.error, 'data'),
        });
      }
      consumed.data = result.data;
    }
    context.tenantId = consumed.tenantId;
    // observe adds tenantId to its completion line itself.
    context.log = context.log.child({ eventId: consumed.id, eventType: consumed.type });
    event.body = consumed;
  };
  return { before: cloudEventBodyBefore };
};
