/**
 * The physical limit of products-get: a bare node:http server answering with the same Redis
 * read the function makes, and nothing else (no auth, validation, logging or metrics).
 */
import http from 'node:http';
import IORedis from 'ioredis';

const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const port = Number(process.env.PORT ?? 0);

const server = http.createServer((req, res) => {
  // /<tenant>/<productId>
  const [, tenantId, productId] = (req.url ?? '').split('/');
  redis.hget(`mp:pv:{${tenantId}}:${productId}`, 'json').then(
    (json) => {
      res.writeHead(json ? 200 : 404, { 'content-type': 'application/json' });
      res.end(json ?? '{}');
    },
    () => {
      res.writeHead(500);
      res.end();
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
