import { defineScheduled } from '../../layers/events/consumer';
import type { Logger } from 'pino';
import { inventoryConfig } from './config';
import { reservationDeps } from './deps';
import type { ReservationStore } from './repository';
import { makeReservationSteps, type ReservationSteps } from './reservations';

/** Reservations expired side by side: each takes its order's lock and a few stock writes. */
const PARALLEL = 4;

export interface ExpiryReport {
  due: number;
  expired: number;
  failed: number;
}

/**
 * Every minute: reservations still holding stock past their expiry release it and tell the
 * order (inventory.reservation.rejected {expired}). At most `batch` per run; what is left, or
 * failed (a busy lock), is found again by the next run, and the step is safe to repeat.
 */
export const makeExpireReservations =
  (deps: {
    reservations: Pick<ReservationStore, 'due'>;
    steps: Pick<ReservationSteps, 'expire'>;
    now: () => Date;
    batch: number;
    log?: Pick<Logger, 'warn'>;
  }) =>
  async (): Promise<ExpiryReport> => {
    const due = await deps.reservations.due(deps.now(), deps.batch);
    const report: ExpiryReport = { due: due.length, expired: 0, failed: 0 };
    for (let start = 0; start < due.length; start += PARALLEL) {
      await Promise.all(
        due.slice(start, start + PARALLEL).map(async (target) => {
          try {
            if ((await deps.steps.expire(target, 'inventory-expire-reservations')) === 'expired') report.expired += 1;
          } catch (error) {
            report.failed += 1;
            deps.log?.warn({ err: error, orderId: target.orderId, tenantId: target.tenantId }, 'reservation expiry failed; the next run retries');
          }
        }),
      );
    }
    return report;
  };

export default defineScheduled(
  { name: 'inventory-expire-reservations', summary: 'Expire reservations left alone past their time, releasing their stock' },
  async (context) => {
    const deps = await reservationDeps();
    return makeExpireReservations({
      reservations: deps.reservations,
      steps: makeReservationSteps(deps),
      now: deps.now,
      batch: inventoryConfig().RESERVATION_EXPIRY_BATCH,
      log: context.log,
    })();
  },
);
