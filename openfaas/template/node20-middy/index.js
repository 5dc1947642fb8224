'use strict';

/**
 * The upstream server of-watchdog forwards to in HTTP mode (`mode=http`,
 * `upstream_url=http://127.0.0.1:3000`). It loads the function bundle once (cold start) and
 * serves every request through the node20 contract in adapter.js. No framework: the bundle
 * and this file are all the image runs.
 *
 * Environment:
 *   http_port          port to listen on (3000, as the official template)
 *   HANDLER_PATH       the function module (./function/handler.js)
 *   MAX_REQUEST_BYTES  largest body accepted before the function sees it (1 MiB); the
 *                      function applies its own, smaller JSON limit
 *   SHUTDOWN_GRACE_MS  how long in-flight requests may finish after SIGTERM (10 s)
 *   metrics_port       where Prometheus scrapes the function's own series (8082; 0 turns it off).
 *                      A port of its own, not a path behind the watchdog, so the gateway never
 *                      forwards the public to it; the pod opts in with the prometheus.io.* annotations.
 */

const http = require('node:http');
const path = require('node:path');
const adapter = require('./adapter');

const port = Number(process.env.http_port || 3000);
const handlerPath = path.resolve(process.env.HANDLER_PATH || path.join(__dirname, 'function', 'handler.js'));
const maxRequestBytes = Number(process.env.MAX_REQUEST_BYTES || 1024 * 1024);
const shutdownGraceMs = Number(process.env.SHUTDOWN_GRACE_MS || 10_000);
const metricsPort = Number(process.env.metrics_port ?? 8082);

const logError = (message, error) => {
  const err = error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : { message: String(error) };
  process.stderr.write(`${JSON.stringify({ level: 'error', time: Date.now(), msg: message, err })}\n`);
};

const handler = adapter.resolveHandler(require(handlerPath));

const serve = async (req, res) => {
  if (req.url === '/_/health' && (req.method === 'GET' || req.method === 'HEAD')) {
    adapter.writeReply(req, res, { status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' });
    return;
  }
  const rawBody = await adapter.readBody(req, maxRequestBytes);
  if (rawBody === undefined) {
    adapter.writeReply(req, res, adapter.payloadTooLargeReply(maxRequestBytes));
    return;
  }
  const reply = await adapter.invokeHandler(handler, adapter.makeEvent(req, rawBody), {
    onError: (error) => logError('function failed', error),
  });
  adapter.writeReply(req, res, reply);
};

const server = http.createServer((req, res) => {
  serve(req, res).catch((error) => {
    logError('request failed', error);
    if (!res.headersSent) adapter.writeReply(req, res, adapter.internalErrorReply());
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;

server.listen(port, '0.0.0.0', () => {
  process.stdout.write(`${JSON.stringify({ level: 'info', time: Date.now(), msg: `node20-middy listening on port: ${port}`, handler: handlerPath })}\n`);
});

/** GET /metrics on metrics_port, when the function can report (functions built on layers/http/openfaas can). */
const metricsServer =
  metricsPort > 0 && typeof handler.scrape === 'function'
    ? http.createServer((req, res) => {
        if (req.method !== 'GET' || req.url !== '/metrics') {
          adapter.writeReply(req, res, { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' });
          return;
        }
        handler.scrape().then(
          ({ contentType, body }) => adapter.writeReply(req, res, { status: 200, headers: { 'content-type': contentType }, body }),
          (error) => {
            logError('metrics failed', error);
            adapter.writeReply(req, res, adapter.internalErrorReply());
          },
        );
      })
    : undefined;
// A taken port costs the pod its metrics, never its requests.
metricsServer?.on('error', (error) => logError(`metrics port ${metricsPort} unavailable`, error));
metricsServer?.listen(metricsPort, '0.0.0.0');

/** Stops accepting, lets in-flight requests finish within the grace period, then exits. */
const shutdown = (signal) => {
  process.stdout.write(`${JSON.stringify({ level: 'info', time: Date.now(), msg: `${signal}: shutting down` })}\n`);
  const deadline = setTimeout(() => process.exit(0), shutdownGraceMs);
  deadline.unref();
  metricsServer?.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
