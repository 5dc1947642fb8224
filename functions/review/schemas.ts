import { z } from 'zod';
import { productId } from '../products/schemas';

/** API shapes shared by the review operations. */
export const REVIEW_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const reviewStatus = z.enum(REVIEW_STATUSES);
export type ReviewStatus = z.infer<typeof reviewStatus>;

export const decision = z.enum(['approved', 'rejected']);
export type Decision = z.infer<typeof decision>;

export const LIMITS = { title: 200, body: 5_000, note: 500 } as const;

export const reviewId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a review id (UUIDv7)');

export const reviewInput = z
  .object({
    productId,
    rating: z.number().int().min(1).max(5),
    title: z.string().trim().min(1).max(LIMITS.title).optional(),
    body: z.string().trim().min(1).max(LIMITS.body),
  })
  .strict();
export type ReviewInput = z.infer<typeof reviewInput>;

export const moderationInput = z
  .object({
    decision,
    /** Why, for the tenant's staff (never shown to customers). */
    note: z.string().trim().min(1).max(LIMITS.note).optional(),
  })
  .strict();
export type ModerationInput = z.infer<typeof moderationInput>;

export const idParams = z.object({ id: reviewId }).strict();

/**
 * A review as the API shows it. `buyerId` and the moderation fields are shown to the tenant's
 * staff and to the review's own author, not to other customers.
 */
export const review = z.object({
  id: reviewId,
  productId: z.string(),
  rating: z.number().int(),
  title: z.string().nullable(),
  body: z.string(),
  status: reviewStatus,
  version: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
  buyerId: z.string().optional(),
  moderation: z.object({ at: z.string(), by: z.string(), note: z.string().nullable() }).nullable().optional(),
});
export type Review = z.infer<typeof review>;

export { page, pageQuery } from '../../layers/http/paging';
export { ifMatchHeaders } from '../../layers/http/versioning';
