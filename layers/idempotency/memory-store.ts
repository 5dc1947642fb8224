import { IdempotencyStore, isExpired, type IdempotencyRecord } from './persistence';

/**
 * A store in process memory: for unit tests and single-process tools only, since function
 * instances share nothing. Records are copied in and out, as a real store would serialise them.
 */
export class MemoryIdempotencyStore extends IdempotencyStore {
  readonly records = new Map<string, IdempotencyRecord>();

  override async putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    const current = await this.get(record.key);
    if (current) return current;
    this.records.set(record.key, structuredClone(record));
    return undefined;
  }

  override async get(key: string): Promise<IdempotencyRecord | undefined> {
    const record = this.records.get(key);
    if (!record) return undefined;
    if (isExpired(record)) {
      this.records.delete(key);
      return undefined;
    }
    return structuredClone(record);
  }

  override async update(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.key, structuredClone(record));
  }

  override async delete(key: string): Promise<void> {
    this.records.delete(key);
  }
}
