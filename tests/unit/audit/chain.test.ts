import { describe, expect, it } from 'vitest';
import { chainVerifier, GENESIS_HASH, hashEntry, nextEntry, periodOf, type ChainEntry } from '../../../functions/audit/chain';

const event = (n: number) => ({
  tenantId: 't1',
  eventId: `e${n}`,
  type: 'products.product.created.v1',
  source: 'products-create',
  subject: `p${n}`,
  time: `2026-11-25T10:00:0${n % 10}.000Z`,
  data: JSON.stringify({ n }),
});

const chainOf = (length: number): ChainEntry[] => {
  const entries: ChainEntry[] = [];
  for (let n = 1; n <= length; n += 1) entries.push(nextEntry(entries[entries.length - 1], event(n)));
  return entries;
};

const verify = (entries: ChainEntry[], head = entries.length) => {
  const verifier = chainVerifier();
  for (const entry of entries) if (verifier.add(entry)) break;
  return verifier.finish(head);
};

describe('hash chain', () => {
  it('links each entry to the one before, from the genesis hash', () => {
    const [first, second] = chainOf(2);
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect(first!.seq).toBe(1);
    expect(second!.prevHash).toBe(first!.hash);
    expect(second!.hash).toBe(hashEntry(second!));
  });

  it('passes an intact chain and reports its head', () => {
    const entries = chainOf(5);
    expect(verify(entries)).toEqual({ valid: true, checked: 5, headSeq: 5, headHash: entries[4]!.hash });
  });

  it('passes an empty chain', () => {
    expect(verify([], 0)).toEqual({ valid: true, checked: 0, headSeq: 0, headHash: GENESIS_HASH });
  });

  it('finds an altered entry and says which', () => {
    const entries = chainOf(5);
    entries[2] = { ...entries[2]!, data: JSON.stringify({ n: 999 }) };
    expect(verify(entries)).toMatchObject({ valid: false, brokenAt: 3, reason: 'altered', eventId: 'e3', checked: 2 });
  });

  it('finds an entry removed from the middle', () => {
    const entries = chainOf(5);
    entries.splice(1, 1);
    expect(verify(entries, 5)).toMatchObject({ valid: false, brokenAt: 2, reason: 'missing' });
  });

  it('finds an entry rewritten with a recomputed hash but a foreign link', () => {
    const entries = chainOf(3);
    const forged = { ...entries[1]!, prevHash: GENESIS_HASH };
    entries[1] = { ...forged, hash: hashEntry(forged) };
    expect(verify(entries)).toMatchObject({ valid: false, brokenAt: 2, reason: 'relinked' });
  });

  it('finds entries cut from the end against the head counter', () => {
    const entries = chainOf(5).slice(0, 3);
    expect(verify(entries, 5)).toMatchObject({ valid: false, brokenAt: 4, reason: 'truncated' });
  });

  it('keeps the first verdict once broken', () => {
    const entries = chainOf(3);
    const verifier = chainVerifier();
    verifier.add(entries[0]!);
    const broken = verifier.add(entries[2]!);
    expect(verifier.add(entries[1]!)).toBe(broken);
    expect(verifier.finish(3)).toBe(broken);
  });

  it('derives the day and hour of an event in UTC', () => {
    expect(periodOf('2026-11-25T23:30:00+02:00')).toEqual({ day: '2026-11-25', hour: '2026-11-25T21' });
  });
});
