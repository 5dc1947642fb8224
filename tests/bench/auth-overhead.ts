import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { TokenSigner } from '../../layers/auth';
import { levelOf, type Actor, type Role } from '../../layers/auth/types';
import { withFullTenantBucket } from './limits';
import { startTemplate } from '../support/template-server';
import { request, ROOT, stop } from './processes';
import { compare, median, type BenchResult } from './stats';
import { buildWithoutAuth } from './variants/no-auth-bundle';
import { ensureWrk, wrk, type LoadResult } from './wrk';

export interface LoadShape {
  concurrency: number;
  seconds: number;
  rounds: number;
  log: (message: string) => void;
}

/**
 * Distinct tokens cycled in order for the cold-cache run: twice the verified-token cache's
 * default size (10,000 entries in layers/auth/jwt-auth.ts, oldest evicted first), so no token
 * is still cached when its turn comes again and every request verifies a signature.
 */
const COLD_TOKENS = 20_000;

/** The wrk script of all three variants (same client work each): one Authorization per request, cycling through a file. */
const rotatingTokens = (tokensFile: string): string => `local tokens = {}
for line in io.lines(${JSON.stringify(tokensFile)}) do tokens[#tokens + 1] = line end
local i = 0
request = function()
  i = i + 1
  if i > #tokens then i = 1 end
  wrk.headers["Authorization"] = "Bearer " .. tokens[i]
  return wrk.format()
end
`;

/**
 * Token verification overhead on products-get: the real bundle with a bearer token whose
 * verification is cached (warm) or never cached (cold: every request a token not seen for
 * 20,000 requests), against the same function built without the auth layer (no-auth-bundle.ts:
 * the same stack and core with the actor set directly). Each variant is its own template server
 * process, as in its pod; they are loaded in turn, never at once, in rounds of alternating order.
 */
export const tokenVerificationOverhead = async (
  env: Record<string, string>,
  signer: TokenSigner,
  tenantId: string,
  shape: LoadShape,
): Promise<BenchResult[]> => {
  const roles: Role[] = ['owner'];
  const sub = 'bench-user';
  const warmToken = await signer.sign({ sub, tid: tenantId, roles, jti: uuidv7() });
  const actor: Actor = { userId: sub, tenantId, roles, level: levelOf(roles) };
  shape.log(`token verification: signing ${COLD_TOKENS} distinct tokens for the cold-cache run`);
  const coldTokens: string[] = [];
  for (let i = 0; i < COLD_TOKENS; i += 1) coldTokens.push(await signer.sign({ sub, tid: tenantId, roles, jti: uuidv7() }));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-auth-'));
  const script = (name: string, tokens: string[]) => {
    const file = path.join(work, `${name}.tokens`);
    fs.writeFileSync(file, `${tokens.join('\n')}\n`);
    const lua = path.join(work, `${name}.lua`);
    fs.writeFileSync(lua, rotatingTokens(file));
    return lua;
  };
  const warmScript = script('warm', [warmToken]);
  const coldScript = script('cold', coldTokens);

  const noAuthBundle = await buildWithoutAuth(ROOT, 'functions/products/get.ts', path.join(ROOT, 'dist/bench/products-get-no-auth'));
  const bundle = (name: string) => path.join(ROOT, 'dist/functions', name, 'handler.js');
  const serverEnv = { ...env, LOG_LEVEL: 'silent', BENCH_FIXED_ACTOR: JSON.stringify(actor) };

  const creator = await startTemplate(bundle('products-create'), serverEnv);
  let id: string;
  try {
    const created = await request(`http://127.0.0.1:${creator.port}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${warmToken}`, 'content-type': 'application/json', 'idempotency-key': uuidv7() },
      body: JSON.stringify({ storeId: 'bench', name: 'Benchmark Kettle', status: 'active', price: { amount: 3999, currency: 'EUR' } }),
    });
    if (created.status !== 201) throw new Error(`products-create answered ${created.status}: ${created.body}`);
    id = (JSON.parse(created.body) as { id: string }).id;
  } finally {
    await stop(creator.child);
  }

  // Three processes: the cold run's 10,000 cached tokens must not weigh on the warm instance's heap.
  const withoutAuth = await startTemplate(noAuthBundle, serverEnv);
  const warmServer = await startTemplate(bundle('products-get'), serverEnv);
  const coldServer = await startTemplate(bundle('products-get'), serverEnv);
  const binary = await ensureWrk();
  try {
    const urlOf = (port: number) => `http://127.0.0.1:${port}/${id}`;
    for (const server of [withoutAuth, warmServer, coldServer]) {
      const reply = await request(urlOf(server.port), { headers: { authorization: `Bearer ${warmToken}` } });
      if (reply.status !== 200) throw new Error(`products-get answered ${reply.status}: ${reply.body}`);
    }
    const load = (port: number, script: string) =>
      withFullTenantBucket(env.REDIS_URL!, tenantId, () => wrk(binary, urlOf(port), {}, { connections: shape.concurrency, seconds: shape.seconds, script }));
    const variants = {
      bare: () => load(withoutAuth.port, warmScript),
      warm: () => load(warmServer.port, warmScript),
      cold: () => load(coldServer.port, coldScript),
    };
    type Variant = keyof typeof variants;
    const order = Object.keys(variants) as Variant[];
    shape.log(`token verification: ${shape.rounds} rounds of ${shape.seconds}s at ${shape.concurrency} connections, without auth / warm cache / cold cache`);
    for (const name of order) await variants[name](); // JIT and connections warm before measuring
    const runs: Record<Variant, LoadResult[]> = { bare: [], warm: [], cold: [] };
    // Every other round in reverse order, so a drift of the machine's speed weighs on all three alike.
    for (let round = 0; round < shape.rounds; round += 1) {
      for (const name of round % 2 === 0 ? order : [...order].reverse()) runs[name].push(await variants[name]());
    }
    const med = (key: 'p50' | 'rps', which: Variant) => median(runs[which].map((r) => r[key]));
    return [
      compare('products-get p50, token verified (warm cache) vs without the auth layer', med('p50', 'warm'), med('p50', 'bare'), { max: 1.1 }, 'ms'),
      compare('products-get p50, token verified (cold cache) vs without the auth layer', med('p50', 'cold'), med('p50', 'bare'), { max: 1.1 }, 'ms'),
      compare('products-get throughput, token verified (warm cache) vs without the auth layer', med('rps', 'warm'), med('rps', 'bare'), { min: 0.9 }, 'req/s'),
      compare('products-get throughput, token verified (cold cache) vs without the auth layer', med('rps', 'cold'), med('rps', 'bare'), { min: 0.9 }, 'req/s'),
    ];
  } finally {
    await Promise.all([stop(withoutAuth.child), stop(warmServer.child), stop(coldServer.child)]);
    fs.rmSync(work, { recursive: true, force: true });
  }
};
