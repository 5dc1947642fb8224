import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { initTracing } from '../tracing';
import { httpErrors } from './http-errors';
import { observed } from './observe';
import { route, type RouteOptions } from './route';

/**
 * The head of every function's middleware stack, HTTP operation or event consumer alike:
 * config validated and tracing started at cold start, then observe → errors → route.
 */
export const functionStack = (name: string, routing: RouteOptions) => {
  const config = loadConfig();
  initTracing({ serviceName: config.SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const logger = createLogger({ service: name.split('-')[0]!, functionName: name, level: config.LOG_LEVEL });
  return observed({ logger }).use(httpErrors()).use(route(routing));
};
