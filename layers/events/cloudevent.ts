import type { CloudEvent } from 'cloudevents';
import { BadRequestError } from '../errors';
import type { EventEnvelope, OutboxEntry } from './envelope';

/**
 * The attribute ⇄ header mapping both protocol bindings share. Binary content mode puts each
 * attribute in its own header (`ce_<name>` on Kafka, `ce-<name>` on HTTP) and `datacontenttype`
 * in `content-type`; the body is the data. It is written out here rather than taken from the
 * `cloudevents` serializers because their Kafka one also emits `ce_datacontenttype`,
 * `ce_partitionkey` and undefined headers and leaves the value an object; the library's
 * `CloudEvent` class still validates every event we read.
 */
export type HeaderPrefix = 'ce_' | 'ce-';

export const DATA_CONTENT_TYPE = 'application/json';
export const SPEC_VERSION = '1.0';

/** The context attributes of one event, data excluded; extensions lower-case as the spec wants. */
export interface EventAttributes {
  specversion: string;
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  tenantid: string;
  correlationid: string;
  causationid?: string;
  traceparent?: string;
}

/** What a consumer's core receives: the envelope with its validated data. */
export type ConsumedEvent<T = unknown> = EventEnvelope<T>;

export const attributesOf = (entry: OutboxEntry): EventAttributes => ({
  specversion: SPEC_VERSION,
  id: entry.id,
  type: entry.type,
  source: entry.source,
  subject: entry.subject,
  time: entry.time,
  tenantid: entry.tenantId,
  correlationid: entry.correlationId,
  ...(entry.causationId ? { causationid: entry.causationId } : {}),
  ...(entry.traceparent ? { traceparent: entry.traceparent } : {}),
});

/** Members that are not context attributes: the data, and `datacontenttype`, which is `content-type`. */
const NOT_HEADERS = new Set(['data', 'data_base64', 'datacontenttype']);

/** Binary-mode headers of an event (attributes, or a library `CloudEvent`): every defined attribute prefixed. */
export const toHeaders = (attributes: EventAttributes | CloudEvent<unknown>, prefix: HeaderPrefix): Record<string, string> => {
  const contentType = 'datacontenttype' in attributes ? attributes.datacontenttype : undefined;
  const headers: Record<string, string> = { 'content-type': typeof contentType === 'string' ? contentType : DATA_CONTENT_TYPE };
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && !NOT_HEADERS.has(name)) headers[`${prefix}${name}`] = String(value);
  }
  return headers;
};

/**
 * Reads a binary-mode event back from its headers (names lower-case) and data, validated by
 * the CloudEvents library (required attributes, spec version, extension names, time format).
 */
export const fromHeaders = (headers: Record<string, string | undefined>, prefix: HeaderPrefix, data: unknown): CloudEvent<unknown> => {
  if (!headers[`${prefix}id`]) throw new BadRequestError(`The message is not a binary-mode CloudEvent (no ${prefix}id).`, 'not_a_cloudevent');
  if (headers[`${prefix}specversion`] !== SPEC_VERSION) throw new BadRequestError(`Only CloudEvents ${SPEC_VERSION} is accepted.`, 'unsupported_specversion');
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(prefix) && value !== undefined) attributes[name.slice(prefix.length)] = value;
  }
  const contentType = headers['content-type'];
  if (contentType) attributes.datacontenttype = contentType;
  // Loaded on the first event, not at cold start.
  const { CloudEvent: Event, ValidationError: CloudEventValidationError } = require('cloudevents') as typeof import('cloudevents');
  try {
    return new Event<unknown>({ ...attributes, ...(data === undefined ? {} : { data }) } as never, true);
  } catch (error) {
    if (!(error instanceof CloudEventValidationError || error instanceof TypeError)) throw error;
    throw new BadRequestError(`The message is not a valid CloudEvent: ${(error as Error).message}`, 'invalid_cloudevent');
  }
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Our view of an event; `tenantid` and `correlationid` are required of every event we exchange. */
export const toConsumedEvent = <T = unknown>(event: CloudEvent<unknown>, data: T = event.data as T): ConsumedEvent<T> => {
  const tenantId = text(event.tenantid);
  if (!tenantId) throw new BadRequestError('The event has no tenantid extension.', 'missing_tenant');
  const subject = text(event.subject);
  if (!subject) throw new BadRequestError('The event has no subject.', 'missing_subject');
  const causationId = text(event.causationid);
  const traceparent = text(event.traceparent);
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    subject,
    time: event.time ?? new Date().toISOString(),
    tenantId,
    correlationId: text(event.correlationid) ?? event.id,
    ...(causationId ? { causationId } : {}),
    ...(traceparent ? { traceparent } : {}),
    data,
  };
};

/** Parses a JSON payload; a malformed one is the sender's fault. */
export const parseData = (raw: string | Buffer | null | undefined): unknown => {
  if (raw === null || raw === undefined || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString());
  } catch {
    throw new BadRequestError('The event data is not valid JSON.', 'malformed_event_data');
  }
};
