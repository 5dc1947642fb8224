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
 * Appends an event to its tenant's chain after the head. Writers race for the next seq: the
 * loser finds the winner's entry there, moves the head past it and tries again. An entry a
 * crashed writer left beyond the head is found the same way. An event already in the chain
 * (the unique event index refuses it) is not appended twice.
 */
export const makeAppendEvent =
  (deps: { store: AuditStore; now: () => Date }) =>
  async (event: AuditedEvent): Promise<'appended' | 'duplicate'> => {
    const fields = {
      tenantId: event.tenantId,
      eventId: event.id,
      type: event.type,
      source: event.source,
      subject: event.subject,
      time: event.time,
      data: canonicalize(event.data ?? null) ?? 'null',
    };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const head = await deps.store.head(event.tenantId);
      const entry = nextEntry(head, fields);
      if ((await deps.store.insert(entry, deps.now())) === 'inserted') {
        await deps.store.advanceHead(event.tenantId, entry);
        return 'appended';
      }
      const taken = await deps.store.entryAt(event.tenantId, entry.seq);
      if (!taken) return 'duplicate';
      await deps.store.advanceHead(event.tenantId, taken);
      if (taken.eventId === event.id) return 'duplicate';
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
