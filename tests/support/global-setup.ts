/**
 * Integration and end-to-end runs talk to real Kafka, FerretDB, Redis and stripe-mock: the launcher
 * reuses running services (or URLs given in the environment) and starts what is missing. Earlier
 * runs' scratch databases are dropped. The catalogue's topics are provisioned here, as the gateway
 * does at start, because the broker never auto-creates one: on a fresh broker no test may depend
 * on another having created its topics.
 */
export default async function setup(): Promise<void> {
  const { ensureServices } = await import('../../infra/launcher/index');
  const urls = await ensureServices({ only: ['kafka', 'mongo', 'redis', 'stripe'], quiet: true });
  process.env.KAFKA_BROKERS ??= urls.kafkaBrokers;
  process.env.MONGO_URL ??= urls.mongoUrl;
  process.env.REDIS_URL ??= urls.redisUrl;
  if (urls.stripeApiBase) process.env.STRIPE_API_BASE ??= urls.stripeApiBase;

  const { dropScratchDatabases } = await import('./scratch-databases');
  await dropScratchDatabases(process.env.MONGO_URL, /^it_\d+_[a-z0-9]+_/);

  const { closeConnections, kafka } = await import('../../layers/connections');
  const { topics } = await import('../../triggers/catalogue');
  const { provisionTopics, topicConfigs } = await import('../../triggers/provision');
  const admin = (await kafka()).admin();
  await admin.connect();
  try {
    await provisionTopics(admin, topicConfigs(topics()));
  } finally {
    await admin.disconnect();
    await closeConnections();
  }
}
