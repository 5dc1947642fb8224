import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process, kept on globalThis: the local gateway loads every function from
 * its own bundle (each with its own copy of this module) and must still expose all their
 * series at one /metrics. Function metrics carry a `function` label, so the gateway and a
 * single-function OpenFaaS pod expose the same series.
 */
const REGISTRY_KEY = Symbol.for('marketplace.metrics.registry');
const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Registry };
export const registry: Registry = (holder[REGISTRY_KEY] ??= new Registry());

export const collectProcessMetrics = (): void => {
  if (registry.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ register: registry });
};

const existing = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;

const counter = (name: string, help: string, labelNames: string[]): Counter<string> =>
  existing<Counter<string>>(name) ?? new Counter({ name, help, labelNames, registers: [registry] });

const histogram = (name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> =>
  existing<Histogram<string>>(name) ?? new Histogram({ name, help, labelNames, buckets, registers: [registry] });

const gauge = (name: string, help: string, labelNames: string[]): Gauge<string> =>
  existing<Gauge<string>>(name) ?? new Gauge({ name, help, labelNames, registers: [registry] });

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  requests: counter('marketplace_function_requests_total', 'Function invocations by outcome.', ['function', 'method', 'status_class']),
  duration: histogram('marketplace_function_duration_seconds', 'Function invocation duration.', ['function', 'method'], LATENCY_BUCKETS),
  errors: counter('marketplace_function_errors_total', 'Function errors by class and code.', ['function', 'class', 'code']),
  eventsConsumed: counter('marketplace_events_consumed_total', 'Events handled by consumers.', ['function', 'type', 'outcome']),
  eventsPublished: counter('marketplace_events_published_total', 'Events published to Kafka.', ['topic']),
  outboxBacklog: gauge('marketplace_outbox_backlog', 'Aggregates holding unpublished outbox events.', ['collection']),
  dlqMessages: counter('marketplace_dlq_messages_total', 'Messages dead-lettered by the trigger connector.', ['topic', 'function']),
  consumerLag: gauge('marketplace_consumer_lag', "Kafka consumer lag per group and topic: messages past the group's committed offsets.", ['group', 'topic']),
  dlqSize: gauge('marketplace_dlq_size', 'Dead letters in <topic>.dlq not yet replayed.', ['topic']),
  readModelLookups: counter('marketplace_read_model_lookups_total', 'Read-model lookups by result.', ['model', 'result']),
  planLimitHits: counter('marketplace_plan_limit_hits_total', 'Writes refused because the tenant reached a limit of its plan.', ['plan', 'resource']),
  sagaOutcomes: counter('marketplace_saga_outcomes_total', 'Sagas that reached a final outcome, by saga, outcome and reason.', ['saga', 'outcome', 'reason']),
};

/**
 * Where a run of a choreographed saga ends (checkout: confirmed or cancelled; onboarding:
 * completed or failed), and each compensation it ran (a refund, released stock, a rolled-back
 * user). Counted where the effect happened, once: never for a redelivery that changed nothing.
 */
export type SagaName = 'checkout' | 'onboarding';
export type SagaOutcome = 'confirmed' | 'cancelled' | 'completed' | 'failed' | 'compensated';
export const countSagaOutcome = (saga: SagaName, outcome: SagaOutcome, reason: string): void => {
  metrics.sagaOutcomes.inc({ saga, outcome, reason });
};

export const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;
