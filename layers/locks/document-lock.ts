import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../errors';
import { redisLease } from './lease';

/**
 * Serialises updates of one document across processes, where the database does not.
 *
 * MongoDB applies a single-document update atomically. FerretDB 1.24 does not: it reads the
 * document, applies the update in its own process and writes the result back, with nothing
 * held in between (internal/handler/msg_update.go), so two concurrent updates of one document
 * can lose one of them — the relay's `$pullAll` of published events could erase a versioned
 * write that was already answered 200. On FerretDB every update of an aggregate that carries
 * an outbox therefore runs under a short Redis lease on that document; on MongoDB the lock is
 * skipped.
 */
export interface DocumentLockOptions {
  /** How long a holder may keep the lock if it dies holding it. */
  ttlMs: number;
  /** How long to wait for the lock before answering 503. */
  waitMs: number;
  /** Pause between attempts while another holder has it. */
  retryMs: number;
}

const defaults: DocumentLockOptions = { ttlMs: 5_000, waitMs: 5_000, retryMs: 2 };

export interface DocumentLockDeps {
  /** Whether the database needs the lock (FerretDB) — asked once. */
  needed: () => Promise<boolean>;
  redis: () => Promise<Pick<Redis, 'eval'>>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type DocumentLock = <T>(scope: string, id: string, work: () => Promise<T>) => Promise<T>;

export const makeDocumentLock = (deps: DocumentLockDeps, opts: Partial<DocumentLockOptions> = {}): DocumentLock => {
  const options = { ...defaults, ...opts };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? Date.now;
  let needed: Promise<boolean> | undefined;
  return async (scope, id, work) => {
    needed ??= deps.needed().catch((error) => {
      needed = undefined;
      throw error;
    });
    if (!(await needed)) return work();
    const lease = redisLease(await deps.redis(), { key: `doclock:${scope}:${id}`, ttlMs: options.ttlMs });
    const deadline = now() + options.waitMs;
    while (!(await lease.hold())) {
      if (now() >= deadline) throw new ServiceUnavailableError(`The document ${scope}/${id} is busy; retry shortly.`, 'document_busy');
      await sleep(options.retryMs);
    }
    try {
      return await work();
    } finally {
      await lease.release();
    }
  };
};
