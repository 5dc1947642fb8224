import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../../layers/metrics';

/**
 * The series OpenFaaS's gateway exports, on the shared registry so `/metrics` serves them next
 * to the platform's own. Created once per process however many gateways a test starts.
 */
const once = <T>(name: string, create: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? create();

export const gatewayMetrics = {
  invocations: once(
    'gateway_function_invocation_total',
    () =>
      new Counter({
        name: 'gateway_function_invocation_total',
        help: 'Function invocations by status code.',
        labelNames: ['function_name', 'code'],
        registers: [registry],
      }),
  ),
  seconds: once(
    'gateway_functions_seconds',
    () =>
      new Histogram({
        name: 'gateway_functions_seconds',
        help: 'Function invocation time taken, seen at the gateway.',
        labelNames: ['function_name', 'code'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
  ),
  started: once(
    'gateway_function_invocation_started',
    () =>
      new Counter({ name: 'gateway_function_invocation_started', help: 'Function invocations started.', labelNames: ['function_name'], registers: [registry] }),
  ),
  replicas: once(
    'gateway_service_count',
    () => new Gauge({ name: 'gateway_service_count', help: 'Ready replicas of each function.', labelNames: ['function_name'], registers: [registry] }),
  ),
};

export const recordInvocation = (functionName: string, status: number, seconds: number): void => {
  const labels = { function_name: functionName, code: String(status) };
  gatewayMetrics.invocations.inc(labels);
  gatewayMetrics.seconds.observe(labels, seconds);
};
