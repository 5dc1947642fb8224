import { makeStaffTransition, staffTransitionHttp } from './staff-transition';

/** The order reached its buyer: fulfilled → delivered, with its `delivered` event (its products may now be reviewed by that buyer). */
export const makeDeliverOrder = makeStaffTransition('deliver', 'orders-deliver');

export default staffTransitionHttp({
  name: 'orders-deliver',
  action: 'deliver',
  summary: 'Mark a fulfilled order delivered (staff); If-Match optional',
  description: 'The delivered order',
});
