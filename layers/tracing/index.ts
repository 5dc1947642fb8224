import { context as otelContext, propagation, trace, SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';

/**
 * Tracing. A light provider (sdk-trace-base + AsyncLocalStorage) is always registered so
 * trace ids exist and flow through Kafka even with no backend; when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set the full @opentelemetry/sdk-node starts instead and
 * exports over OTLP. Tests pass their own exporter (in-memory) through `initTracing`.
 */
export interface TracingOptions {
  serviceName: string;
  /** A span exporter for tests (InMemorySpanExporter) or custom backends. */
  exporter?: import('@opentelemetry/sdk-trace-base').SpanExporter;
  otlpEndpoint?: string;
}

let initialised = false;

export const initTracing = (options: TracingOptions): void => {
  if (initialised) return;
  initialised = true;
  if (options.otlpEndpoint && !options.exporter) {
    // Loaded only when exporting: the SDK is heavy and most cold starts do not need it.
    const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
    new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': options.serviceName }),
      traceExporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
      instrumentations: [],
    }).start();
    return;
  }
  const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: options.exporter ? [new SimpleSpanProcessor(options.exporter)] : [],
  });
  otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
};

export const tracer = (): Tracer => trace.getTracer('marketplace');

type Carrier = Record<string, string | undefined>;

const carrierGetter = {
  get: (c: Carrier, key: string) => c[key.toLowerCase()] ?? c[key],
  keys: (c: Carrier) => Object.keys(c),
};

/** The context carried by a `traceparent` (HTTP header, or CloudEvent extension). */
export const extractContext = (carrier: Carrier): Context => propagation.extract(otelContext.active(), carrier, carrierGetter);

/** The `traceparent` of the active span, for events and outbound calls. */
export const currentTraceparent = (): string | undefined => {
  const carrier: Record<string, string> = {};
  propagation.inject(otelContext.active(), carrier);
  return carrier.traceparent;
};

export interface SpanIds {
  trace_id?: string;
  span_id?: string;
}

export const spanIds = (span: Span | undefined = trace.getActiveSpan()): SpanIds => {
  const ctx = span?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
};

/** Runs `fn` inside a new span that is a child of `parent`, ending it and recording errors. */
export const inSpan = async <T>(
  name: string,
  options: { parent?: Context; kind?: SpanKind; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> => {
  const parent = options.parent ?? otelContext.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await otelContext.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
};

export { SpanKind, SpanStatusCode };
