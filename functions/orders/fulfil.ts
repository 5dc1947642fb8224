import { makeStaffTransition, staffTransitionHttp } from './staff-transition';

/** The seller shipped a confirmed order: confirmed → fulfilled, with its `fulfilled` event. */
export const makeFulfilOrder = makeStaffTransition('fulfil', 'orders-fulfil');

export default staffTransitionHttp({
  name: 'orders-fulfil',
  action: 'fulfil',
  summary: 'Mark a confirmed order shipped (staff); If-Match optional',
  description: 'The fulfilled order',
});
