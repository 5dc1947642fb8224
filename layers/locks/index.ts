import { isFerretDb, redis } from '../connections';
import { makeDocumentLock } from './document-lock';

export { makeDocumentLock, type DocumentLock, type DocumentLockOptions } from './document-lock';
export { redisLease, type Lease, type LeaseOptions } from './lease';

/** The process-wide document lock: a Redis lease on FerretDB, nothing on MongoDB. */
export const withDocumentLock = makeDocumentLock({ needed: isFerretDb, redis });
