import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productCreated } from '../../functions/products/events';
import type { Product } from '../../functions/products/schemas';
import { ensureK6, formatRow, k6Scripts, parseSummary, runK6 } from '../../infra/k6';
import { producer } from '../../layers/connections';
import { toKafkaMessage } from '../../layers/events/kafka-binding';
import { deadLetterMessage } from '../../triggers/dead-letter';
import { eventually, newTenant, productBody, startSystem, type System } from './support/system';

/**
 * Every k6 script, smoke scenario (2 VUs × 10 iterations), against the whole system behind the
 * in-process gateway, each in a fresh tenant: each run must exit 0 with no failed request, no
 * failed check and every threshold met.
 *
 * Nothing else may consume the system's Kafka topics meanwhile: an `npm start` gateway on the
 * same Kafka joins the functions' consumer groups and takes half the events (into its own
 * database), and the audit scripts then wait for entries that never come.
 */
let system: System;
let k6: string;
let summaries: string;

beforeAll(async () => {
  summaries = fs.mkdtempSync(path.join(os.tmpdir(), 'k6-smoke-'));
  // A fresh machine builds k6 from the Go module proxy first: minutes, once.
  [k6, system] = await Promise.all([ensureK6(), startSystem()]);
}, 900_000);

afterAll(async () => {
  await system?.stop();
  if (summaries) fs.rmSync(summaries, { recursive: true, force: true });
});

/** Runs one script with SCENARIO=smoke as an owner (and a platform operator) of `tenant`. */
const smoke = async (script: string, tenant: string, token: string) => {
  const summaryExport = path.join(summaries, `${script}.json`);
  const result = await runK6(k6, {
    script,
    scenario: 'smoke',
    gatewayUrl: system.url,
    token,
    platformToken: await system.token({ tenant, roles: ['platform'] }),
    summaryExport,
    stdio: 'pipe',
  });
  // k6's log lines (the failures lib/api.js reports, exceptions) and the end of its summary.
  const lines = result.output.trimEnd().split('\n');
  const tail = [...lines.filter((line) => /level=(warning|error)/.test(line)).slice(0, 20), ...lines.slice(-40)].join('\n');
  expect(result.code, `k6 exit code\n${tail}`).toBe(0);

  const summary = parseSummary(fs.readFileSync(summaryExport, 'utf8'));
  console.log(formatRow(script, result.code, summary));
  expect(summary.requests, 'requests made').toBeGreaterThan(0);
  expect(summary.failedRequests, `failed requests\n${tail}`).toBe(0);
  expect(summary.checksPassed, 'checks passed').toBeGreaterThan(0);
  expect(summary.checksFailed, `failed checks\n${tail}`).toBe(0);
  expect(summary.thresholds.length, 'thresholds evaluated').toBeGreaterThanOrEqual(4);
  expect(summary.thresholds.filter((t) => !t.ok)).toEqual([]);
};

const DLQ_SCRIPT = 'platform-dlq-replay';
const DEAD_LETTERS = 3;

/**
 * Dead letters for platform-dlq-replay to move: the `created` event of a real product of the
 * tenant, as the connector dead-letters it once audit-on-event has failed it. Each is a new
 * event (its own id), so the audit chain records every replayed one.
 */
const seedDeadLetters = async (token: string, tenant: string): Promise<string> => {
  const created = await system.call<Product>('products-create', {
    method: 'POST',
    token,
    body: productBody(),
    headers: { 'idempotency-key': `dlq-${tenant}` },
  });
  expect(created.status).toBe(201);
  const messages = Array.from({ length: DEAD_LETTERS }, (_, offset) => {
    const event = productCreated.create({ subject: created.body.id, tenantId: tenant, data: created.body, source: 'products-create' });
    const original = toKafkaMessage(event);
    return deadLetterMessage(
      { key: original.key ?? null, value: Buffer.from(String(original.value)), headers: original.headers, offset: String(offset) },
      { functionName: 'audit-on-event', topic: event.topic, partition: 0, error: 'seeded by the k6 smoke test', attempts: 5 },
    );
  });
  await (await producer()).send({ topic: `${productCreated.topic}.dlq`, messages, acks: -1 });
  return created.body.id;
};

describe('k6 smoke runs through the gateway', () => {
  // First: it waits for audit-on-event, which no other script has kept busy yet.
  it(`${DLQ_SCRIPT}, which moves seeded dead letters back to audit-on-event`, async () => {
    const tenant = newTenant();
    const token = await system.token({ tenant, roles: ['owner'] });
    const id = await seedDeadLetters(token, tenant);
    await smoke(DLQ_SCRIPT, tenant, token);
    // 11 replays of at most one: the seeded letters are back in the chain, next to the original.
    await eventually(
      async () => {
        const page = await system.call<{ items: unknown[] }>('audit-query', { path: `?subject=${id}`, token });
        return page.body.items.length === 1 + DEAD_LETTERS ? true : undefined;
      },
      `${1 + DEAD_LETTERS} audit entries for ${id}`,
      60_000,
    );
  });

  // The scripts that wait for the audit chain run before those that write the most, whose
  // events keep audit-on-event busy for a while after them.
  it.each(k6Scripts().filter((script) => script !== DLQ_SCRIPT))('%s', async (script) => {
    const tenant = newTenant();
    await smoke(script, tenant, await system.token({ tenant, roles: ['owner'] }));
  });
});
