/**
 * `npm run bench`: each figure is a ratio against a baseline measured in the same run on the
 * same machine, so the machine's speed cancels out. Writes tests/bench/results.json.
 *
 * `npm run bench -- <group> ...` runs only the groups named (products-get, events, checkout, cold-start,
 * bundle-size, token-verification, auth-login) and updates their figures in results.json,
 * keeping the others.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { ensureServices } from '../../infra/launcher';
import { BuildError, buildAll, type BuildResult } from '../../openfaas/build';
import { createTokenSigner, generateSigningKey, toJwks } from '../../layers/auth';
import { provisionTopics, topicConfigs } from '../../triggers/provision';
import { topics } from '../../triggers/catalogue';
import { loadStack, stackFunctions } from '../../triggers/stack';
import { authLogin } from './auth-login';
import { withFullTenantBucket } from './limits';
import { tokenVerificationOverhead } from './auth-overhead';
import { coldStart, forkServer, request, ROOT, stop } from './processes';
import { compare, formatTable, median, type BenchResult } from './stats';
import { ensureWrk, wrk, type LoadResult } from './wrk';
import { watchKafka } from './kafka-watch';
import { checkoutBench } from './checkout';
import { dropScratchDatabases } from '../support/scratch-databases';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 60);
const LOGIN_SAMPLES = Number(process.env.BENCH_LOGIN_SAMPLES ?? 30);
const CHECKOUT_SAMPLES = Number(process.env.BENCH_CHECKOUT_SAMPLES ?? 40);
const CHECKOUT_CONCURRENCY = Number(process.env.BENCH_CHECKOUT_CONCURRENCY ?? 8);
/** A few per cent is the figure: more, alternating rounds than the other load benches, so noise averages out. */
const AUTH_ROUNDS = Number(process.env.BENCH_AUTH_ROUNDS ?? 5);
/** The identity service's production default (functions/auth/config.ts); login and the bare compare both use it. */
const BCRYPT_COST = process.env.BENCH_BCRYPT_COST ?? '12';

const GROUPS = ['products-get', 'events', 'checkout', 'cold-start', 'bundle-size', 'token-verification', 'auth-login'] as const;
type Group = (typeof GROUPS)[number];

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

const productsGet = async (env: Record<string, string>, token: string, tenantId: string): Promise<BenchResult[]> => {
  const system = await forkServer('servers/system.ts', env);
  const bare = await forkServer('servers/bare.ts', env);
  const binary = await ensureWrk();
  const load = (url: string, headers: Record<string, string>) =>
    withFullTenantBucket(env.REDIS_URL!, tenantId, () => wrk(binary, url, headers, { connections: CONCURRENCY, seconds: DURATION_S }));
  try {
    const auth = { authorization: `Bearer ${token}` };
    const created = await request(`http://127.0.0.1:${system.port}/function/products-create`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': uuidv7() },
      body: JSON.stringify({ storeId: 'bench', name: 'Benchmark Lamp', status: 'active', price: { amount: 1999, currency: 'EUR' } }),
    });
    if (created.status !== 201) throw new Error(`products-create answered ${created.status}: ${created.body}`);
    const id = (JSON.parse(created.body) as { id: string }).id;
    const gatewayUrl = `http://127.0.0.1:${system.port}/function/products-get/${id}`;
    const bareUrl = `http://127.0.0.1:${bare.port}/${tenantId}/${id}`;
    if ((await request(gatewayUrl, { headers: auth })).status !== 200) throw new Error('products-get did not answer 200');
    if ((await request(bareUrl)).status !== 200) throw new Error('bare server did not find the view');

    log(`products-get: ${ROUNDS} rounds of ${DURATION_S}s at ${CONCURRENCY} connections, alternating`);
    await load(bareUrl, {}); // warm both paths before measuring
    await load(gatewayUrl, auth);
    const runs: Record<'gateway' | 'bare', LoadResult[]> = { gateway: [], bare: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      runs.bare.push(await load(bareUrl, {}));
      runs.gateway.push(await load(gatewayUrl, auth));
    }
    const med = (key: 'p50' | 'p99' | 'rps', which: 'gateway' | 'bare') => median(runs[which].map((r) => r[key]));
    return [
      compare('products-get p50 latency vs bare Redis read', med('p50', 'gateway'), med('p50', 'bare'), { max: 1.3 }, 'ms'),
      compare('products-get p99 latency vs bare Redis read', med('p99', 'gateway'), med('p99', 'bare'), { max: 1.3 }, 'ms'),
      compare('products-get throughput vs bare Redis read', med('rps', 'gateway'), med('rps', 'bare'), { min: 0.7 }, 'req/s'),
    ];
  } finally {
    await Promise.all([stop(system.child), stop(bare.child)]);
  }
};

/** Per-message latency of a plain produce → consume round trip, and of write → outbox → Kafka → consumer. */
const eventLatency = async (env: Record<string, string>, token: string, kafkaBrokers: string): Promise<BenchResult> => {
  const kafka = new Kafka({ clientId: 'bench', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const watch = await watchKafka(kafka, ['products.product.created']);
  const system = await forkServer('servers/system.ts', env);
  try {
    const raw: number[] = [];
    const viaOutbox: number[] = [];
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (let i = 0; i < LATENCY_SAMPLES + 5; i += 1) {
      const rawMs = await watch.rawRoundTrip();

      const t1 = process.hrtime.bigint();
      const reply = await request(`http://127.0.0.1:${system.port}/function/products-create`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': uuidv7() },
        body: JSON.stringify({ storeId: 'bench', name: `Latency ${i}`, price: { amount: 100, currency: 'EUR' } }),
      });
      if (reply.status !== 201) throw new Error(`products-create answered ${reply.status}: ${reply.body}`);
      const id = (JSON.parse(reply.body) as { id: string }).id;
      const systemMs = Number((await watch.arrival('products.product.created', id)) - t1) / 1e6;
      if (i >= 5) {
        raw.push(rawMs);
        viaOutbox.push(systemMs);
      }
    }
    log(`event latency: raw p50 ${median(raw).toFixed(1)} ms, via outbox p50 ${median(viaOutbox).toFixed(1)} ms`);
    return compare('write → outbox → Kafka → consumer p50 vs raw kafkajs round trip', median(viaOutbox), median(raw), { max: 1.5 }, 'ms');
  } finally {
    await stop(system.child);
    await watch.close();
  }
};

/** The probe each kind of function answers without any backing store. */
const probeOf = (handlerPath: string): { method: string; path: string } => {
  const mod = require(handlerPath) as { operation?: { method: string; path?: string }; default?: { operation?: { method: string; path?: string } } };
  const operation = mod.operation ?? mod.default?.operation;
  if (!operation) return { method: 'GET', path: '/' }; // consumers and scheduled functions take POST only: 405
  const filled = (operation.path ?? '').replace(/\{[^}]+\}/g, '0190a0a0-0000-7000-8000-000000000001');
  return { method: operation.method, path: filled || '/' }; // no token: 401
};

const coldStarts = async (names: string[]): Promise<BenchResult[]> => {
  const hello = path.join(ROOT, 'dist/hello/handler.js');
  const port = 19_000 + Math.floor(Math.random() * 500);
  const samples = new Map<string, number[]>([['hello', []]]);
  log(`cold start: ${COLD_RUNS} runs of ${names.length} bundles and the hello baseline, interleaved`);
  for (let run = 0; run < COLD_RUNS; run += 1) {
    samples.get('hello')!.push(await coldStart(hello, port, { method: 'GET', path: '/' }));
    for (const name of names) {
      const bundle = path.join(ROOT, 'dist/functions', name, 'handler.js');
      const ms = await coldStart(bundle, port, probeOf(bundle));
      samples.set(name, [...(samples.get(name) ?? []), ms]);
    }
  }
  const baseline = median(samples.get('hello')!);
  return names.map((name) => compare(`cold start ${name} vs hello bundle`, median(samples.get(name)!), baseline, { max: 1.5 }, 'ms'));
};

/** Every bundle that built; a function whose handler is missing or broken is left out and named. */
const buildBundles = async (): Promise<BuildResult> => {
  try {
    return await buildAll({ log: () => undefined });
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    for (const problem of error.problems) log(`build: ${problem} (left out)`);
    return error.result;
  }
};

const selectedGroups = (args: string[]): Set<Group> => {
  const unknown = args.filter((arg) => !(GROUPS as readonly string[]).includes(arg));
  if (unknown.length > 0) throw new Error(`unknown bench group(s) ${unknown.join(', ')}; the groups are ${GROUPS.join(', ')}`);
  return new Set(args.length > 0 ? (args as Group[]) : GROUPS);
};

/** A partial run replaces its own figures in place and keeps the rest. */
const mergeResults = (previous: BenchResult[], fresh: BenchResult[]): BenchResult[] => {
  const byName = new Map(fresh.map((r) => [r.name, r]));
  const merged = previous.map((r) => byName.get(r.name) ?? r);
  return [...merged, ...fresh.filter((r) => !previous.some((p) => p.name === r.name))];
};

const main = async (): Promise<void> => {
  const groups = selectedGroups(process.argv.slice(2).filter((arg) => !arg.startsWith('-')));
  const urls = await ensureServices({ quiet: true });
  const build = await buildBundles();
  const stack = loadStack(path.join(ROOT, 'stack.yml'));
  const built = new Set(build.bundles.map((bundle) => bundle.name));
  const names = stackFunctions(stack)
    .map((fn) => fn.name)
    .filter((name) => built.has(name));

  const kafka = new Kafka({ clientId: 'bench-admin', brokers: urls.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, topicConfigs(topics()));
  await admin.disconnect();

  const key = await generateSigningKey();
  const tenantId = `bench-${uuidv7()}`;
  const signer = createTokenSigner({
    privateJwk: key.privateJwk,
    kid: key.kid,
    issuer: 'https://auth.marketplace.local',
    audience: 'marketplace-api',
    ttlSeconds: 3600,
  });
  const token = await signer.sign({ sub: 'bench-user', tid: tenantId, roles: ['owner'] });
  // Every run starts on empty bench databases: what earlier runs wrote only slows FerretDB down.
  await dropScratchDatabases(urls.mongoUrl, /^bench_/);
  const env = {
    KAFKA_BROKERS: urls.kafkaBrokers,
    MONGO_URL: `${urls.mongoUrl.replace(/\/[^/]*$/, '')}/bench`,
    REDIS_URL: urls.redisUrl,
    JWKS: JSON.stringify(toJwks([key.publicJwk])),
    LOG_LEVEL: 'warn',
    // The bench drives one tenant far past any plan: limits are checked, never hit.
    RATE_LIMIT_CAPACITY: '100000000',
    RATE_LIMIT_REFILL_PER_SECOND: '100000000',
    // The tenant bucket follows the plan: the largest, refilled before each load run (limits.ts).
    UNPROVISIONED_TENANT_PLAN: 'ENTERPRISE',
    // The identity service: signs with the key the others verify, seals codes the bench can open.
    AUTH_SIGNING_KEYS: JSON.stringify([key.privateJwk]),
    SEALING_KEY: randomBytes(32).toString('base64url'),
    AUTH_SECRET_KEY: randomBytes(32).toString('base64url'),
    BCRYPT_COST,
    AUTH_RATE_LIMIT_SCALE: '1000000',
  };

  const results: BenchResult[] = [];
  const notes: string[] = [];
  if (groups.has('products-get')) results.push(...(await productsGet(env, token, tenantId)));
  if (groups.has('token-verification')) {
    results.push(...(await tokenVerificationOverhead(env, signer, tenantId, { concurrency: CONCURRENCY, seconds: DURATION_S, rounds: AUTH_ROUNDS, log })));
  }
  if (groups.has('auth-login')) {
    const login = await authLogin(env, urls.kafkaBrokers, LOGIN_SAMPLES, log);
    if ('result' in login) results.push(login.result);
    else notes.push(`auth-login: not available (${login.unavailable})`);
  }
  if (groups.has('events')) results.push(await eventLatency(env, token, urls.kafkaBrokers));
  if (groups.has('checkout')) {
    results.push(
      ...(await checkoutBench({ ...env, STRIPE_API_BASE: urls.stripeApiBase! }, urls.kafkaBrokers, signer, tenantId, {
        samples: CHECKOUT_SAMPLES,
        seconds: DURATION_S * 2,
        concurrency: CHECKOUT_CONCURRENCY,
        log,
      })),
    );
  }
  if (groups.has('cold-start')) results.push(...(await coldStarts(names)));
  if (groups.has('bundle-size')) {
    for (const bundle of build.bundles) {
      results.push(compare(`bundle size ${bundle.name} vs 300 KB limit`, bundle.bytes / 1024, 300, { max: 1 }, 'KB'));
    }
  }

  const file = path.join(__dirname, 'results.json');
  const partial = groups.size < GROUPS.length && fs.existsSync(file);
  const written = partial ? mergeResults(JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult[], results) : results;
  fs.writeFileSync(file, `${JSON.stringify(written, null, 2)}\n`);
  console.log(formatTable(results));
  for (const note of notes) console.log(note);
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - failed.length} of ${results.length} within target; results in tests/bench/results.json`);
};

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
