import bcrypt from 'bcryptjs';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { unseal } from '../../layers/sealing';
import { forkServer, request, ROOT, stop } from './processes';
import { compare, median, type BenchResult } from './stats';

/** The figure, or why it could not be measured (the bench reports that instead of failing). */
export type LoginBench = { result: BenchResult } | { unavailable: string };

const WARMUP = 3;

const json = (body: string): Record<string, unknown> => {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/**
 * `auth-login` p50 against a bare bcrypt compare at the same cost factor (BCRYPT_COST, given to
 * the functions and used for the baseline hash), sampled alternately in the same run. A seller
 * registers and verifies their email through the real functions behind the gateway: the
 * verification code is taken from the `auth.code.issued` event the outbox relay publishes,
 * unsealed with SEALING_KEY, as the notification service would. Then the same credentials
 * sign in again and again, one request at a time (the hash dominates; concurrency would only
 * measure queueing behind bcrypt).
 *
 * Anything missing or failing (login.ts not written yet, a bundle that did not build, an
 * operation that answers otherwise) makes the figure "not available" with the reason, never a
 * failed bench.
 */
export const authLogin = async (env: Record<string, string>, kafkaBrokers: string, samples: number, log: (m: string) => void): Promise<LoginBench> => {
  for (const name of ['register', 'verify-email', 'login']) {
    if (!fs.existsSync(path.join(ROOT, 'functions/auth', `${name}.ts`))) return { unavailable: `functions/auth/${name}.ts does not exist yet` };
    if (!fs.existsSync(path.join(ROOT, 'dist/functions', `auth-${name}`, 'handler.js'))) return { unavailable: `the auth-${name} bundle did not build` };
  }
  const cost = Number(env.BCRYPT_COST);
  const sealingKey = Buffer.from(env.SEALING_KEY ?? '', 'base64url');

  const kafka = new Kafka({ clientId: 'bench-login', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-login-${uuidv7()}`, maxWaitTimeInMs: 50, minBytes: 1 });
  const codes = new Map<string, string>();
  let system: Awaited<ReturnType<typeof forkServer>> | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: ['auth.code.issued'], fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const data = json(message.value?.toString() ?? '') as { to?: string; purpose?: string; sealedSecret?: string };
        if (data.purpose === 'email-verification' && data.to && data.sealedSecret) codes.set(data.to, await unseal(data.sealedSecret, sealingKey));
      },
    });
    await joined;
    system = await forkServer('servers/system.ts', env);
    const base = `http://127.0.0.1:${system.port}/function`;
    const post = async (name: string, body: unknown, expect: (status: number) => boolean) => {
      const reply = await request(`${base}/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': uuidv7() },
        body: JSON.stringify(body),
      });
      if (!expect(reply.status)) throw new Error(`${name} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
      return json(reply.body);
    };
    const ok = (status: number) => status >= 200 && status < 300;

    const email = `bench-${uuidv7()}@example.com`;
    const password = `Bench-${uuidv7()}-pass`;
    await post('auth-register', { email, password, name: 'Bench Seller' }, ok);
    const deadline = Date.now() + 30_000;
    while (!codes.has(email)) {
      if (Date.now() > deadline) throw new Error('no auth.code.issued event for the registered email within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    await post('auth-verify-email', { email, code: codes.get(email) }, ok);
    const signIn = async () => {
      const started = process.hrtime.bigint();
      const body = await post('auth-login', { email, password }, (status) => status === 200);
      if (typeof body.accessToken !== 'string') throw new Error(`auth-login answered 200 without an access token: ${JSON.stringify(body).slice(0, 300)}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };

    const hash = await bcrypt.hash(password, cost);
    const bare = async () => {
      const started = process.hrtime.bigint();
      if (!(await bcrypt.compare(password, hash))) throw new Error('bcrypt compare failed');
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    log(`auth-login: ${samples} sign-ins and ${samples} bare bcrypt compares at cost ${cost}, alternating`);
    const logins: number[] = [];
    const compares: number[] = [];
    for (let i = 0; i < samples + WARMUP; i += 1) {
      const login = await signIn();
      const plain = await bare();
      if (i >= WARMUP) {
        logins.push(login);
        compares.push(plain);
      }
    }
    return { result: compare(`auth-login p50 vs bare bcrypt compare (cost ${cost})`, median(logins), median(compares), { max: 1.2 }, 'ms') };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  } finally {
    if (system) await stop(system.child);
    await consumer.disconnect().catch(() => undefined);
  }
};
