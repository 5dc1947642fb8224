export * from './constants';
export {
  beginRequest,
  canonicalJson,
  finishRequest,
  isFinal,
  payloadHash,
  replayOf,
  scopedKey,
  type BeginInput,
  type FinishInput,
  type KeyScope,
  type PayloadParts,
} from './core';
export * from './errors';
export { MemoryIdempotencyStore } from './memory-store';
export { idempotency, type IdempotencyOptions } from './middleware';
export { IdempotencyStore, isExpired, type IdempotencyRecord, type IdempotencyStatus, type StoredResponse } from './persistence';
export { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from './redis-store';
