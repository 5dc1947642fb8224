import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import { currentTraceparent } from '../tracing';

/**
 * The one envelope of every event, under our own names: CloudEvents 1.0 attributes plus our
 * extensions (`tenantid`, `correlationid`, `causationid`, `traceparent`).
 */
export interface EventEnvelope<D> {
  /** UUIDv7: unique, and sortable by creation time. */
  id: string;
  /** `<service>.<entity>.<event>.v<N>` */
  type: string;
  /** The producing function, e.g. `products-create`. */
  source: string;
  /** The aggregate id; also the Kafka key, so events of one aggregate keep their order. */
  subject: string;
  /** ISO 8601 */
  time: string;
  tenantId: string;
  /** The id of the first event (or request) of the flow; defaults to this event's id. */
  correlationId: string;
  /** The id of the event that caused this one. */
  causationId?: string;
  /** W3C trace context of the producing span. */
  traceparent?: string;
  data: D;
}

/**
 * An event as written to the aggregate's outbox, in the same document write as the state
 * change; the relay publishes it as is. `data` is the zod-validated data as a JSON string, so
 * no key restriction of the store applies to it.
 */
export interface OutboxEntry extends EventEnvelope<string> {
  /** `<service>.<entity>.<event>` */
  topic: string;
}

/** Who owns the aggregate whose outbox carries the event: a collection in `<base>_<service>`. */
export interface AggregateRef {
  service: string;
  collection: string;
}

export interface CreateEventInput<T> {
  subject: string;
  tenantId: string;
  data: T;
  source: string;
  correlationId?: string;
  causationId?: string;
  /**
   * The trace the event continues, when it is not the active one: a provider's webhook deciding
   * a step of a saga it did not start continues the saga's trace, not the webhook request's.
   */
  traceparent?: string;
}

export interface EventSpec<S extends z.ZodType, T extends string = string> {
  type: T;
  schema: S;
  aggregate: AggregateRef;
  description: string;
}

export interface EventDefinition<S extends z.ZodType = z.ZodType, T extends string = string> extends EventSpec<S, T> {
  topic: string;
  service: string;
  version: number;
  create: (input: CreateEventInput<z.input<S>>) => OutboxEntry;
}

const TYPE_PATTERN = /^([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.v([1-9][0-9]*)$/;

export interface ParsedType {
  service: string;
  entity: string;
  event: string;
  version: number;
  topic: string;
}

/** Splits `<service>.<entity>.<event>.v<N>`; throws on any other shape. */
export const parseEventType = (type: string): ParsedType => {
  const match = TYPE_PATTERN.exec(type);
  if (!match) throw new Error(`Event type "${type}" is not <service>.<entity>.<event>.v<N>`);
  const [, service, entity, event, version] = match as unknown as [string, string, string, string, string];
  return { service, entity, event, version: Number(version), topic: `${service}.${entity}.${event}` };
};

/** A producer built an event its own schema refuses: a bug, answered as a 500. */
export class InvalidEventError extends Error {
  constructor(
    type: string,
    readonly issues: z.ZodError['issues'],
  ) {
    super(`Invalid data for ${type}: ${issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/** Defines an event type; `type` stays a literal type so consumers can discriminate on it. */
export const defineEvent = <S extends z.ZodType, const T extends string>(spec: EventSpec<S, T>): EventDefinition<S, T> => {
  const parsed = parseEventType(spec.type);
  const create = (input: CreateEventInput<z.input<S>>): OutboxEntry => {
    const result = spec.schema.safeParse(input.data);
    if (!result.success) throw new InvalidEventError(spec.type, result.error.issues);
    const id = uuidv7();
    const traceparent = input.traceparent ?? currentTraceparent();
    return {
      id,
      type: spec.type,
      topic: parsed.topic,
      source: input.source,
      subject: input.subject,
      time: new Date().toISOString(),
      tenantId: input.tenantId,
      correlationId: input.correlationId ?? id,
      ...(input.causationId ? { causationId: input.causationId } : {}),
      ...(traceparent ? { traceparent } : {}),
      data: JSON.stringify(result.data),
    };
  };
  return Object.freeze({ ...spec, topic: parsed.topic, service: parsed.service, version: parsed.version, create });
};

/** Correlation for an event caused by `cause`: same flow, caused by that event. */
export const causedBy = (cause: { id: string; correlationId: string }): { correlationId: string; causationId: string } => ({
  correlationId: cause.correlationId,
  causationId: cause.id,
});
