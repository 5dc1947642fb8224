/**
 * Integration and end-to-end runs talk to real Kafka, FerretDB, Redis and stripe-mock: the launcher
 * reuses running services (or URLs given in the environment) and starts what is missing.
 */
export default async function setup(): Promise<void> {
  const { ensureServices } = await import('../../infra/launcher/index');
  const urls = await ensureServices({ only: ['kafka', 'mongo', 'redis', 'stripe'], quiet: true });
  process.env.KAFKA_BROKERS ??= urls.kafkaBrokers;
  process.env.MONGO_URL ??= urls.mongoUrl;
  process.env.REDIS_URL ??= urls.redisUrl;
  if (urls.stripeApiBase) process.env.STRIPE_API_BASE ??= urls.stripeApiBase;
}
