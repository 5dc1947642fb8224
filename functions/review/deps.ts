import { v7 as uuidv7 } from 'uuid';
import { nudgeOutbox } from '../../layers/events/outbox';
import { ratingUpdated, reviewCreated } from './events';
import { eligibilityStore, ratingStore, reviewStore, type EligibilityStore, type RatingStore, type ReviewStore } from './repository';

/** What review operations need from the outside world; handlers wire the real ones. */
export interface ReviewDeps {
  reviews: ReviewStore;
  eligibility: EligibilityStore;
  newId: () => string;
  now: () => Date;
  /** Wakes the outbox relay to drain the review just written; best effort, the relay also sweeps. */
  nudge: (id: string) => void;
}

export const reviewDeps = async (): Promise<ReviewDeps> => {
  const [reviews, eligibility] = await Promise.all([reviewStore(), eligibilityStore()]);
  return { reviews, eligibility, newId: uuidv7, now: () => new Date(), nudge: (id) => nudgeOutbox({ ...reviewCreated.aggregate, id }) };
};

export interface RatingDeps {
  ratings: RatingStore;
  /** Wakes the outbox relay for the rating document just written. */
  nudge: (id: string) => void;
}

export const ratingDeps = async (): Promise<RatingDeps> => ({
  ratings: await ratingStore(),
  nudge: (id) => nudgeOutbox({ ...ratingUpdated.aggregate, id }),
});
