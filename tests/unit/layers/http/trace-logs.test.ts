import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { httpErrors } from '../../../../layers/http/http-errors';
import { observed } from '../../../../layers/http/observe';
import { openfaas } from '../../../../layers/http/openfaas';
import { createLogger } from '../../../../layers/logger';
import { initTracing } from '../../../../layers/tracing';
import { callHandler } from '../../events/support';

const exporter = new InMemorySpanExporter();
initTracing({ serviceName: 'test', exporter });

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('logs and traces agree', () => {
  it("every line an invocation logs carries the caller's trace_id and the function's own server span", async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = createLogger({ service: 'orders', functionName: 'orders-get', destination });
    const handler = openfaas(
      'orders-get',
      observed({ logger })
        .use(httpErrors())
        .handler(async (_event, ctx) => {
          ctx.log.info('looking the order up');
          return { statusCode: 200, headers: {}, body: { ok: true } };
        }) as never,
    );

    await callHandler(handler, { method: 'GET', path: '/o-1', headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` } });

    const server = exporter.getFinishedSpans().find((span) => span.attributes['faas.name'] === 'orders-get')!;
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(lines.map((line) => line.msg)).toEqual(['looking the order up', 'request completed']);
    for (const line of lines) expect(line).toMatchObject({ trace_id: TRACE_ID, span_id: server.spanContext().spanId });
  });
});
