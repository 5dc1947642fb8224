import type { Redis } from 'ioredis';
import { IdempotencyStore, isExpired, type IdempotencyRecord } from './persistence';

export interface RedisIdempotencyStoreOptions {
  redis: () => Promise<Redis>;
  keyPrefix?: string;
}

/**
 * Records as JSON strings under `<prefix><key>` with a Redis TTL matching `expiresAt`, so
 * Redis forgets them on time. `putIfAbsent` is one Lua script: it also takes over a record
 * whose `expiresAt` has passed by the caller's clock before Redis expired it.
 */
const PUT_IF_ABSENT_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, record = pcall(cjson.decode, current)
  if ok and type(record) == 'table' and tonumber(record.expiresAt) and tonumber(record.expiresAt) > tonumber(ARGV[2]) then
    return current
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return false
`;

const COMMAND = 'marketplaceIdempotencyPut';

type ScriptClient = Redis & { [COMMAND]?: (key: string, record: string, now: number, ttlMs: number) => Promise<string | null> };

const ttlOf = (record: IdempotencyRecord, now: number): number => Math.max(1, record.expiresAt - now);

const parse = (raw: string | null): IdempotencyRecord | undefined => {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as IdempotencyRecord;
  } catch {
    return undefined;
  }
};

export class RedisIdempotencyStore extends IdempotencyStore {
  private readonly redis: () => Promise<Redis>;
  private readonly keyPrefix: string;

  constructor(options: RedisIdempotencyStoreOptions) {
    super();
    this.redis = options.redis;
    this.keyPrefix = options.keyPrefix ?? 'idem:';
  }

  private async client(): Promise<ScriptClient> {
    const client = (await this.redis()) as ScriptClient;
    // ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT.
    if (typeof client[COMMAND] !== 'function') client.defineCommand(COMMAND, { numberOfKeys: 1, lua: PUT_IF_ABSENT_SCRIPT });
    return client;
  }

  override async putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    const client = await this.client();
    const now = Date.now();
    const current = await client[COMMAND]!(this.keyPrefix + record.key, JSON.stringify(record), now, ttlOf(record, now));
    // The script overwrites what cjson cannot decode, so a returned record is valid JSON.
    return current === null ? undefined : (JSON.parse(current) as IdempotencyRecord);
  }

  override async get(key: string): Promise<IdempotencyRecord | undefined> {
    const client = await this.redis();
    const record = parse(await client.get(this.keyPrefix + key));
    return record && !isExpired(record) ? record : undefined;
  }

  override async update(record: IdempotencyRecord): Promise<void> {
    const client = await this.redis();
    await client.set(this.keyPrefix + record.key, JSON.stringify(record), 'PX', ttlOf(record, Date.now()));
  }

  override async delete(key: string): Promise<void> {
    const client = await this.redis();
    await client.del(this.keyPrefix + key);
  }
}
