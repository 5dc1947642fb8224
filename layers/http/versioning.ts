import { z } from 'zod';

/**
 * Optimistic concurrency over HTTP, one way for every versioned aggregate: the version is the
 * ETag (`"3"`), and an update names the version it was made against in `If-Match`.
 */
export const etagOf = (version: number): string => `"${version}"`;

/** The version an `If-Match` value names (a weak `W/"3"` too). */
export const versionFromEtag = (etag: string): number => Number(/"(\d+)"/.exec(etag)?.[1]);

const ETAG = /^(W\/)?"\d+"$/;

export const ifMatchHeaders = z.object({
  'if-match': z.string({ error: 'If-Match is required: send the ETag you last read' }).regex(ETAG, 'an ETag such as "3"'),
});

export const optionalIfMatchHeaders = z.object({ 'if-match': z.string().regex(ETAG, 'an ETag such as "3"').optional() });
