import type middy from '@middy/core';
import type { z } from 'zod';
import { loadConfig } from '../config';
import { openfaas, type OpenFaasHandler } from '../http/openfaas';
import { functionStack } from '../http/stack';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';
import { metrics } from '../metrics';
import type { ConsumedEvent } from './cloudevent';
import { serviceInbox, type Inbox } from './inbox';
import { cloudEventBody, connectorSignature } from './middleware';

export type { ConsumedEvent } from './cloudevent';

/** What the gateway and the catalogue read about an event or cron function. */
export interface ConsumerMetadata {
  kind: 'events' | 'scheduled';
  name: string;
  summary: string;
  /** The event types consumed; empty for a scheduled function. */
  events: string[];
}

export type ConsumerHandler = OpenFaasHandler & { consumer: ConsumerMetadata };

export interface ConsumerSpec<E extends Record<string, z.ZodType>> {
  name: string;
  summary: string;
  events: E;
}

type DataOf<E extends Record<string, z.ZodType>> = z.infer<E[keyof E]>;

export type ConsumerCore<T> = (event: ConsumedEvent<T>, context: FunctionContext) => Promise<void>;

export interface ConsumerOptions {
  /** Defaults to CONNECTOR_SECRET. */
  secret?: string;
  /** Defaults to the `inbox` collection of the consumer's service database. */
  inbox?: () => Promise<Inbox>;
}

type Stack = middy.MiddyfiedHandler<HttpEvent, HttpResponse, Error, FunctionContext>;

/** `<service>-<operation>`: the service owns the function's database (and so its inbox). */
const serviceOf = (name: string): string => name.split('-')[0]!;

/** The stack every connector-invoked function shares: observe → errors → POST only → signature. */
const invokedStack = (name: string, options: Pick<ConsumerOptions, 'secret'>): Stack => {
  const config = loadConfig();
  return functionStack(name, { method: 'POST' }).use(connectorSignature({ secret: options.secret ?? config.CONNECTOR_SECRET }));
};

const reply = (status: string): HttpResponse => ({ statusCode: 200, headers: {}, body: { status } });

/**
 * An event consumer: the trigger connector POSTs each event of its topics as a binary-mode
 * CloudEvent. Types it does not consume answer 200 `ignored` (never retried); the effect runs
 * once per event id through the inbox and answers `processed`, or `duplicate` when it ran before.
 */
export const defineConsumer = <E extends Record<string, z.ZodType>>(
  spec: ConsumerSpec<E>,
  core: ConsumerCore<DataOf<E>>,
  options: ConsumerOptions = {},
): ConsumerHandler => {
  const schemas: Record<string, z.ZodType> = spec.events;
  let inbox: Promise<Inbox> | undefined;
  const openInbox = options.inbox ?? (() => serviceInbox(serviceOf(spec.name)));
  const handler = invokedStack(spec.name, options)
    .use(cloudEventBody({ schemas }))
    .handler(async (event, context) => {
      const consumed = event.body as ConsumedEvent<DataOf<E>>;
      const count = (outcome: string) => metrics.eventsConsumed.inc({ function: spec.name, type: consumed.type, outcome });
      if (!Object.hasOwn(schemas, consumed.type)) {
        count('ignored');
        return reply('ignored');
      }
      inbox ??= openInbox().catch((error) => {
        inbox = undefined;
        throw error;
      });
      try {
        const outcome = await (await inbox).run(spec.name, consumed.id, consumed.tenantId, () => core(consumed, context));
        count(outcome);
        return reply(outcome);
      } catch (error) {
        count('failed');
        throw error;
      }
    });
  const consumer: ConsumerMetadata = { kind: 'events', name: spec.name, summary: spec.summary, events: Object.keys(schemas) };
  return Object.assign(openfaas(spec.name, handler as never, consumer), { consumer });
};

export interface ScheduledSpec {
  name: string;
  summary: string;
}

/** What a scheduled run reports; answered as the body next to `status: 'done'`. */
export type ScheduledCore = (context: FunctionContext) => Promise<object | void>;

/** A cron-invoked function: the scheduler POSTs with no body, signed like an event delivery. */
export const defineScheduled = (spec: ScheduledSpec, core: ScheduledCore, options: Pick<ConsumerOptions, 'secret'> = {}): ConsumerHandler => {
  const handler = invokedStack(spec.name, options).handler(async (_event, context) => {
    const result = await core(context);
    return { statusCode: 200, headers: {}, body: { status: 'done', ...(result ?? {}) } };
  });
  const consumer: ConsumerMetadata = { kind: 'scheduled', name: spec.name, summary: spec.summary, events: [] };
  return Object.assign(openfaas(spec.name, handler as never, consumer), { consumer });
};
