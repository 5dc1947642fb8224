import { z } from 'zod';

/**
 * Cursor pagination, one way for every list: the cursor is the base64url of the last id seen
 * (ids are UUIDv7 or start with one, so they sort by creation), a list fetches `limit + 1` to
 * know whether there is a next page.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const encodeCursor = (id: string): string => Buffer.from(id).toString('base64url');
export const decodeCursor = (cursor: string | undefined): string | undefined => (cursor ? Buffer.from(cursor, 'base64url').toString() : undefined);

/** Cuts a `limit + 1` fetch into a page and the cursor of the next one. */
export function toPage<T extends { id: string }>(fetched: T[], limit: number): Page<T>;
export function toPage<T>(fetched: T[], limit: number, idOf: (item: T) => string): Page<T>;
export function toPage<T>(fetched: T[], limit: number, idOf: (item: T) => string = (item) => (item as { id: string }).id): Page<T> {
  const more = fetched.length > limit;
  const items = more ? fetched.slice(0, limit) : fetched;
  return { items, nextCursor: more ? encodeCursor(idOf(items[items.length - 1]!)) : null };
}

/** The query fields of every list operation. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,300}$/)
    .optional(),
};

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
