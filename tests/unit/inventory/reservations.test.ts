import { describe, expect, it } from 'vitest';
import { makeReservationSteps, ReservationMovedError } from '../../../functions/inventory/reservations';
import { memorySaga } from './memory';

const T = 't1';
const ORDER = '0190a0a0-0000-7000-8000-000000000001';
const OTHER = '0190a0a0-0000-7000-8000-000000000002';
const checkout = { provider: 'stripe' as const, email: 'b@example.com', total: 100, currency: 'EUR' };
const trace = { source: 'test', correlationId: 'corr-1', causationId: 'cause-1' };

const setup = (onHand: Record<string, number> = { A: 5, B: 5 }) => {
  const saga = memorySaga(60_000);
  for (const [sku, count] of Object.entries(onHand)) saga.stock.seed({ tenantId: T, productId: 'p1', sku, onHand: count, lowStockThreshold: 1 });
  const steps = makeReservationSteps(saga.deps);
  const level = (sku: string) => {
    const s = saga.stock.stockOf(T, 'p1', sku)!;
    return { onHand: s.onHand, reserved: s.reserved, available: s.available, holds: s.holds.map((h) => `${h.orderId}:${h.quantity}`) };
  };
  const status = (orderId = ORDER) => saga.reservations.reservationOf(T, orderId)?.status;
  const events = (orderId = ORDER) => saga.reservations.outboxOf(T, orderId).map((e) => ({ type: e.type, ...JSON.parse(e.data) }));
  return { ...saga, steps, level, status, events };
};

const order = (lines: [string, number][], orderId = ORDER) => ({
  tenantId: T,
  orderId,
  buyerId: 'b1',
  lines: lines.map(([sku, quantity]) => ({ productId: 'p1', sku, quantity })),
});

describe('reserve (orders.order.created)', () => {
  it('holds every line and emits reserved with the checkout terms, in the reservation write', async () => {
    const s = setup();
    expect(
      await s.steps.reserve(
        {
          ...order([
            ['A', 2],
            ['B', 1],
            ['A', 1],
          ]),
          checkout,
        },
        trace,
      ),
    ).toBe('reserved');
    expect(s.level('A')).toEqual({ onHand: 5, reserved: 3, available: 2, holds: [`${ORDER}:3`] });
    expect(s.level('B')).toMatchObject({ reserved: 1, available: 4 });
    expect(s.status()).toBe('reserved');
    expect(s.events()).toEqual([
      {
        type: 'inventory.reservation.reserved.v1',
        orderId: ORDER,
        buyerId: 'b1',
        lines: [
          { productId: 'p1', sku: 'A', quantity: 3 },
          { productId: 'p1', sku: 'B', quantity: 1 },
        ],
        expiresAt: '2026-11-25T10:01:00.000Z',
        checkout,
      },
    ]);
    expect(s.reservations.outboxOf(T, ORDER)[0]).toMatchObject({ correlationId: 'corr-1', causationId: 'cause-1', source: 'test' });
    // A redelivery changes nothing and emits nothing more.
    expect(
      await s.steps.reserve(
        {
          ...order([
            ['A', 2],
            ['B', 1],
            ['A', 1],
          ]),
          checkout,
        },
        trace,
      ),
    ).toBe('unchanged');
    expect(s.events()).toHaveLength(1);
    expect(s.level('A').reserved).toBe(3);
  });

  it('rejects when one line is short, releasing the lines held before it, and names every short line', async () => {
    const s = setup({ A: 5, B: 1, C: 0 });
    expect(
      await s.steps.reserve(
        {
          ...order([
            ['A', 2],
            ['B', 2],
            ['C', 1],
          ]),
          checkout,
        },
        trace,
      ),
    ).toBe('rejected');
    expect(s.level('A')).toEqual({ onHand: 5, reserved: 0, available: 5, holds: [] });
    expect(s.level('B').reserved).toBe(0);
    expect(s.status()).toBe('rejected');
    expect(s.events()).toEqual([
      {
        type: 'inventory.reservation.rejected.v1',
        orderId: ORDER,
        buyerId: 'b1',
        reason: 'out_of_stock',
        unavailable: [
          { productId: 'p1', sku: 'B', requested: 2, available: 1 },
          { productId: 'p1', sku: 'C', requested: 1, available: 0 },
        ],
      },
    ]);
  });

  it('treats a variant with no stock as out of stock', async () => {
    const s = setup({});
    expect(await s.steps.reserve({ ...order([['X', 1]]), checkout }, trace)).toBe('rejected');
    expect(s.events()[0]).toMatchObject({ unavailable: [{ sku: 'X', requested: 1, available: 0 }] });
  });

  it('converges after a crash half way: the redelivery skips the lines already held', async () => {
    const s = setup();
    s.stock.failOnWrite(2);
    await expect(
      s.steps.reserve(
        {
          ...order([
            ['A', 2],
            ['B', 1],
          ]),
          checkout,
        },
        trace,
      ),
    ).rejects.toThrow('crash');
    expect(s.status()).toBe('holding');
    expect(s.level('A').reserved).toBe(2);
    s.stock.failOnWrite(undefined);
    expect(
      await s.steps.reserve(
        {
          ...order([
            ['A', 2],
            ['B', 1],
          ]),
          checkout,
        },
        trace,
      ),
    ).toBe('reserved');
    expect(s.level('A')).toMatchObject({ reserved: 2, holds: [`${ORDER}:2`] });
    expect(s.level('B').reserved).toBe(1);
    expect(s.events().map((e) => e.type)).toEqual(['inventory.reservation.reserved.v1']);
  });

  it('a crash after holding and before a rejection still releases on redelivery', async () => {
    const s = setup({ A: 5, B: 0 });
    s.stock.failOnWrite(2); // the release of A after B is found short
    await expect(
      s.steps.reserve(
        {
          ...order([
            ['A', 2],
            ['B', 1],
          ]),
          checkout,
        },
        trace,
      ),
    ).rejects.toThrow('crash');
    expect(s.level('A').reserved).toBe(2);
    s.stock.failOnWrite(undefined);
    expect(
      await s.steps.reserve(
        {
          ...order([
            ['A', 2],
            ['B', 1],
          ]),
          checkout,
        },
        trace,
      ),
    ).toBe('rejected');
    expect(s.level('A').reserved).toBe(0);
  });

  it('holds nothing for an order cancelled before it was seen, and sweeps strays of a settled one', async () => {
    const s = setup();
    expect(await s.steps.cancel(order([['A', 2]]), trace)).toBe('released');
    expect(s.status()).toBe('released');
    expect(await s.steps.reserve({ ...order([['A', 2]]), checkout }, trace)).toBe('unchanged');
    expect(s.level('A').reserved).toBe(0);
    expect(s.events()).toEqual([]);

    // A hold a lapsed run left behind for a settled order is given back by the next delivery.
    await s.deps.stock.update(T, 'p1', 'A', (current) => ({
      next: { ...current!, reserved: 1, available: 4, holds: [{ orderId: ORDER, quantity: 1, expiresAt: new Date() }], version: current!.version + 1 },
      events: [],
      result: undefined,
    }));
    expect(await s.steps.reserve({ ...order([['A', 2]]), checkout }, trace)).toBe('unchanged');
    expect(s.level('A')).toMatchObject({ reserved: 0, holds: [] });
  });

  it('reports a reservation moved by another writer as retryable', async () => {
    const s = setup();
    const steps = makeReservationSteps({ ...s.deps, reservations: { ...s.deps.reservations, replace: async () => false } });
    await expect(steps.reserve({ ...order([['A', 1]]), checkout }, trace)).rejects.toBeInstanceOf(ReservationMovedError);
    const insertLost = makeReservationSteps({ ...s.deps, reservations: { ...s.deps.reservations, insert: async () => false } });
    await expect(insertLost.reserve({ ...order([['A', 1]], OTHER), checkout }, trace)).rejects.toMatchObject({ status: 503, code: 'reservation_moved' });
  });
});

describe('commit (orders.order.confirmed)', () => {
  it('commits every hold once: on hand drops, available stays', async () => {
    const s = setup();
    await s.steps.reserve(
      {
        ...order([
          ['A', 2],
          ['B', 1],
        ]),
        checkout,
      },
      trace,
    );
    expect(
      await s.steps.commit(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('committed');
    expect(s.level('A')).toEqual({ onHand: 3, reserved: 0, available: 3, holds: [] });
    expect(s.level('B')).toEqual({ onHand: 4, reserved: 0, available: 4, holds: [] });
    expect(s.status()).toBe('committed');
    expect(
      await s.steps.commit(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('unchanged');
    expect(s.level('A').onHand).toBe(3);
  });

  it('finishes a commit that crashed half way, without committing a line twice', async () => {
    const s = setup();
    await s.steps.reserve(
      {
        ...order([
          ['A', 2],
          ['B', 1],
        ]),
        checkout,
      },
      trace,
    );
    s.stock.failOnWrite(2);
    await expect(
      s.steps.commit(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).rejects.toThrow('crash');
    expect(s.status()).toBe('committing');
    s.stock.failOnWrite(undefined);
    expect(
      await s.steps.commit(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('committed');
    expect(s.level('A').onHand).toBe(3);
    expect(s.level('B').onHand).toBe(4);
  });

  it('holds an expired reservation again when the stock allows, and commits it', async () => {
    const s = setup();
    await s.steps.reserve({ ...order([['A', 2]]), checkout }, trace);
    s.advance(61_000);
    expect(await s.steps.expire({ tenantId: T, orderId: ORDER }, 'cron')).toBe('expired');
    expect(s.level('A').reserved).toBe(0);
    expect(await s.steps.commit(order([['A', 2]]), trace)).toBe('committed');
    expect(s.level('A')).toEqual({ onHand: 3, reserved: 0, available: 3, holds: [] });
    expect(s.reservations.reservationOf(T, ORDER)).toMatchObject({ status: 'committed', rehold: true });
  });

  it('emits rejected{expired} when the expired hold cannot be taken again', async () => {
    const s = setup({ A: 2 });
    await s.steps.reserve({ ...order([['A', 2]]), checkout }, trace);
    s.advance(61_000);
    await s.steps.expire({ tenantId: T, orderId: ORDER }, 'cron');
    await s.steps.reserve({ ...order([['A', 2]], OTHER), checkout }, trace);
    expect(await s.steps.commit(order([['A', 2]]), trace)).toBe('rejected');
    expect(s.status()).toBe('expired');
    expect(s.level('A')).toMatchObject({ onHand: 2, reserved: 2, holds: [`${OTHER}:2`] });
    expect(s.events().map((e) => `${e.type} ${e.reason}`)).toEqual([
      'inventory.reservation.reserved.v1 undefined',
      'inventory.reservation.rejected.v1 expired',
      'inventory.reservation.rejected.v1 expired',
    ]);
    expect(s.events()[2]).toMatchObject({ unavailable: [{ sku: 'A', requested: 2, available: 0 }] });
  });

  it('holds and commits an order whose reservation was never recorded', async () => {
    const s = setup();
    expect(await s.steps.commit(order([['B', 1]]), trace)).toBe('committed');
    expect(s.level('B')).toMatchObject({ onHand: 4, reserved: 0 });
  });

  it('does nothing for a rejected or released order', async () => {
    const s = setup({ A: 0 });
    await s.steps.reserve({ ...order([['A', 1]]), checkout }, trace);
    expect(await s.steps.commit(order([['A', 1]]), trace)).toBe('unchanged');
    expect(s.status()).toBe('rejected');
  });
});

describe('cancel (orders.order.cancelled)', () => {
  it('releases what a reserved order holds, once', async () => {
    const s = setup();
    await s.steps.reserve(
      {
        ...order([
          ['A', 2],
          ['B', 1],
        ]),
        checkout,
      },
      trace,
    );
    expect(
      await s.steps.cancel(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('released');
    expect(s.level('A')).toEqual({ onHand: 5, reserved: 0, available: 5, holds: [] });
    expect(s.status()).toBe('released');
    expect(
      await s.steps.cancel(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('unchanged');
    expect(
      await s.steps.commit(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('unchanged');
    expect(s.level('A').onHand).toBe(5);
  });

  it('puts a committed order back on hand, once, even after a crash half way', async () => {
    const s = setup();
    await s.steps.reserve(
      {
        ...order([
          ['A', 2],
          ['B', 1],
        ]),
        checkout,
      },
      trace,
    );
    await s.steps.commit(
      order([
        ['A', 2],
        ['B', 1],
      ]),
      trace,
    );
    s.stock.failOnWrite(2);
    await expect(
      s.steps.cancel(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).rejects.toThrow('crash');
    expect(s.status()).toBe('restocking');
    expect(s.level('A').onHand).toBe(5);
    s.stock.failOnWrite(undefined);
    expect(
      await s.steps.cancel(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('restocked');
    expect(s.level('A')).toMatchObject({ onHand: 5, available: 5 });
    expect(s.level('B')).toMatchObject({ onHand: 5, available: 5 });
    expect(s.status()).toBe('restocked');
    expect(
      await s.steps.cancel(
        order([
          ['A', 2],
          ['B', 1],
        ]),
        trace,
      ),
    ).toBe('unchanged');
    expect(s.level('A').onHand).toBe(5);
  });

  it('closes an expired reservation, so a late confirmation holds nothing again', async () => {
    const s = setup();
    await s.steps.reserve({ ...order([['A', 2]]), checkout }, trace);
    s.advance(61_000);
    await s.steps.expire({ tenantId: T, orderId: ORDER }, 'cron');
    expect(await s.steps.cancel(order([['A', 2]]), trace)).toBe('released');
    expect(await s.steps.commit(order([['A', 2]]), trace)).toBe('unchanged');
    expect(s.level('A')).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it('leaves a rejected reservation as it is', async () => {
    const s = setup({ A: 0 });
    await s.steps.reserve({ ...order([['A', 1]]), checkout }, trace);
    expect(await s.steps.cancel(order([['A', 1]]), trace)).toBe('unchanged');
    expect(s.status()).toBe('rejected');
  });
});

describe('expire (the sweep)', () => {
  it('releases a reservation left alone and tells the order, in the order’s flow', async () => {
    const s = setup();
    await s.steps.reserve({ ...order([['A', 2]]), checkout }, trace);
    expect(await s.steps.expire({ tenantId: T, orderId: ORDER }, 'cron')).toBe('unchanged');
    s.advance(60_000);
    expect(await s.steps.expire({ tenantId: T, orderId: ORDER }, 'cron')).toBe('expired');
    expect(s.level('A')).toEqual({ onHand: 5, reserved: 0, available: 5, holds: [] });
    const [, rejected] = s.reservations.outboxOf(T, ORDER);
    expect(rejected).toMatchObject({ type: 'inventory.reservation.rejected.v1', source: 'cron', correlationId: 'corr-1' });
    expect(JSON.parse(rejected!.data)).toEqual({ orderId: ORDER, buyerId: 'b1', reason: 'expired', unavailable: [] });
    expect(await s.steps.expire({ tenantId: T, orderId: ORDER }, 'cron')).toBe('unchanged');
    expect(await s.steps.expire({ tenantId: T, orderId: OTHER }, 'cron')).toBe('unchanged');
  });
});

describe('steps of one order racing without the order lock', () => {
  /** A consumer under at-least-once delivery: a 503 (another step moved the reservation) is delivered again. */
  const redelivered = async (step: () => Promise<string>): Promise<string> => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof ReservationMovedError)) throw error;
      }
    }
    throw new Error('never settled');
  };

  const racing = async () => {
    const saga = memorySaga(60_000, true);
    saga.stock.seed({ tenantId: T, productId: 'p1', sku: 'A', onHand: 5 });
    saga.stock.seed({ tenantId: T, productId: 'p1', sku: 'B', onHand: 5 });
    const steps = makeReservationSteps(saga.deps);
    const lines = order([
      ['A', 2],
      ['B', 1],
    ]);
    const level = (sku: string) => saga.stock.stockOf(T, 'p1', sku)!;
    return { saga, steps, lines, level };
  };

  it('confirm and cancel at once: the stock ends where a cancel leaves it, whoever wins', async () => {
    for (let round = 0; round < 40; round += 1) {
      const { saga, steps, lines, level } = await racing();
      await steps.reserve({ ...lines, checkout }, trace);
      await Promise.all([redelivered(() => steps.commit(lines, trace)), redelivered(() => steps.cancel(lines, trace))]);
      // A cancel that lost to nothing (it ran first) leaves the confirmation nothing to commit; one that came second restocks.
      expect(['released', 'restocked']).toContain(saga.reservations.reservationOf(T, ORDER)!.status);
      for (const sku of ['A', 'B']) expect(level(sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5, holds: [] });
    }
  });

  it('confirm and expiry at once: a confirmed order always ends committed, its units taken once', async () => {
    for (let round = 0; round < 40; round += 1) {
      const { saga, steps, lines, level } = await racing();
      await steps.reserve({ ...lines, checkout }, trace);
      saga.advance(60_000);
      await Promise.all([redelivered(() => steps.commit(lines, trace)), redelivered(() => steps.expire({ tenantId: T, orderId: ORDER }, 'cron'))]);
      expect(saga.reservations.reservationOf(T, ORDER)!.status).toBe('committed');
      expect(level('A')).toMatchObject({ onHand: 3, reserved: 0, available: 3, holds: [] });
      expect(level('B')).toMatchObject({ onHand: 4, reserved: 0, available: 4, holds: [] });
    }
  });

  it('an order and its cancel at once: nothing stays held', async () => {
    for (let round = 0; round < 40; round += 1) {
      const { saga, steps, lines, level } = await racing();
      await Promise.all([redelivered(() => steps.reserve({ ...lines, checkout }, trace)), redelivered(() => steps.cancel(lines, trace))]);
      expect(saga.reservations.reservationOf(T, ORDER)!.status).toBe('released');
      for (const sku of ['A', 'B']) expect(level(sku)).toMatchObject({ onHand: 5, reserved: 0, holds: [] });
    }
  });
});
