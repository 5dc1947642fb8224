import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, page, pageQuery, toPage } from '../../../../layers/http/paging';
import { etagOf, ifMatchHeaders, optionalIfMatchHeaders, versionFromEtag } from '../../../../layers/http/versioning';
import { z } from 'zod';

describe('paging', () => {
  it('cuts a limit + 1 fetch into a page whose cursor names the last id shown', () => {
    const fetched = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const first = toPage(fetched, 2);
    expect(first).toEqual({ items: [{ id: 'a' }, { id: 'b' }], nextCursor: encodeCursor('b') });
    expect(decodeCursor(first.nextCursor!)).toBe('b');
    expect(toPage(fetched, 3)).toEqual({ items: fetched, nextCursor: null });
  });

  it('takes the id from a function when items have none', () => {
    const rows = [{ key: 'x' }, { key: 'y' }];
    expect(toPage(rows, 1, (row) => row.key).nextCursor).toBe(encodeCursor('x'));
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it('bounds the query and describes a page', () => {
    const query = z.object(pageQuery);
    expect(query.parse({})).toEqual({ limit: 20 });
    expect(query.safeParse({ limit: '101' }).success).toBe(false);
    expect(query.safeParse({ cursor: 'not base64url!' }).success).toBe(false);
    expect(page(z.string()).parse({ items: ['a'], nextCursor: null })).toEqual({ items: ['a'], nextCursor: null });
  });
});

describe('versioning', () => {
  it('turns versions into ETags and back, weak ones included', () => {
    expect(etagOf(3)).toBe('"3"');
    expect(versionFromEtag('"3"')).toBe(3);
    expect(versionFromEtag('W/"7"')).toBe(7);
  });

  it('requires If-Match where an update needs it, and only accepts ETags', () => {
    expect(ifMatchHeaders.safeParse({}).success).toBe(false);
    expect(ifMatchHeaders.safeParse({ 'if-match': '3' }).success).toBe(false);
    expect(ifMatchHeaders.parse({ 'if-match': '"3"' })).toEqual({ 'if-match': '"3"' });
    expect(optionalIfMatchHeaders.parse({})).toEqual({});
  });
});
