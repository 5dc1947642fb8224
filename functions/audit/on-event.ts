import canonicalize from 'canonicalize';
import { z } from 'zod';
import { ConflictError } from '../../layers/errors';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { eventTypes } from '../../triggers/catalogue';
import { nextEntry } from './chain';
import { auditStore, type AuditStore } from './store';

type AuditedEvent = Pick<ConsumedEvent, 'id' | 'type' | 'source' | 'subject' | 'time' | 'tenantId' | 'data'>;

const MAX_ATTEMPTS = 25;

/**
 * Appends an event to its tenant's chain. Writers race for the next seq; the loser re-reads
 * the tail and tries again. An event already in the chain is not appended twice.
 */
export const makeAppendEvent =
  (deps: { store: AuditStore; now: () => Date }) =>
  async (event: AuditedEvent): Promise<'appended' | 'duplicate'> => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (await deps.store.hasEvent(event.tenantId, event.id)) return 'duplicate';
      const entry = nextEntry(await deps.store.last(event.tenantId), {
        tenantId: event.tenantId,
        eventId: event.id,
        type: event.type,
        source: event.source,
        subject: event.subject,
        time: event.time,
        data: canonicalize(event.data ?? null) ?? 'null',
      });
      if ((await deps.store.insert(entry, deps.now())) === 'inserted') {
        await deps.store.raiseHead(event.tenantId, entry.seq);
        return 'appended';
      }
    }
    throw new ConflictError('The audit chain is busy; the event will be retried.', 'audit_chain_contended');
  };

export default defineConsumer(
  {
    name: 'audit-on-event',
    summary: "Append every event to its tenant's audit hash chain",
    // Audit records what happened, as sent: any payload of a catalogued type is kept.
    events: Object.fromEntries(eventTypes().map((type) => [type, z.unknown()])),
  },
  async (event) => {
    await makeAppendEvent({ store: await auditStore(), now: () => new Date() })(event as AuditedEvent);
  },
);
