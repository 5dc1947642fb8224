import type { z } from 'zod';
import type { cancelReason, orderLine } from '../orders/events';
import type { paymentRefunded } from '../payment/events';
import type { ContactStore } from './repository';
import { DEFAULT_LOCALE } from './schemas';
import type { OrderCancelledVariables, OrderVariables, PaymentRefundedVariables, StockLowVariables } from './templates';

/**
 * Pure mapping from commerce events to message variables: money formatted from integer minor
 * units in the order's currency, reasons in words. No I/O.
 */
type OrderLine = z.infer<typeof orderLine>;
type CancelReason = z.infer<typeof cancelReason>;
type Refund = z.infer<typeof paymentRefunded.schema>;

const formats = new Map<string, Intl.NumberFormat>();

const formatOf = (currency: string, locale: string): Intl.NumberFormat => {
  const key = `${locale}:${currency}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(key, format);
  }
  return format;
};

/** `1250, 'EUR'` → `€12.50`; `1250, 'JPY'` → `¥1,250`: the currency's own minor unit (ISO 4217, through Intl). */
export const formatMoney = (amount: number, currency: string, locale: string = DEFAULT_LOCALE): string => {
  const format = formatOf(currency, locale);
  return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
};

export const orderVariables = (
  order: { orderId: string; email: string; lines: OrderLine[]; total: number; currency: string },
  locale: string = DEFAULT_LOCALE,
): OrderVariables => {
  const money = (amount: number) => formatMoney(amount, order.currency, locale);
  return {
    email: order.email,
    orderId: order.orderId,
    lines: order.lines.map((line) => ({
      name: line.name,
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: money(line.unitPrice),
      lineTotal: money(line.lineTotal),
    })),
    itemCount: order.lines.reduce((sum, line) => sum + line.quantity, 0),
    total: money(order.total),
    currency: order.currency,
  };
};

/** Why an order was cancelled, to follow "was cancelled because". */
export const CANCEL_REASON_TEXT: Record<CancelReason, string> = {
  out_of_stock: 'some of its items are out of stock',
  reservation_expired: 'its items could not be held long enough to complete the payment',
  payment_failed: 'the payment did not go through',
  buyer_cancelled: 'you asked us to cancel it',
  seller_cancelled: 'the seller cancelled it',
};

export const cancelledVariables = (
  order: { orderId: string; email: string; lines: OrderLine[]; total: number; currency: string; reason: CancelReason; from: string },
  locale: string = DEFAULT_LOCALE,
): OrderCancelledVariables => ({
  ...orderVariables(order, locale),
  reason: order.reason,
  reasonText: CANCEL_REASON_TEXT[order.reason],
  // Only a confirmed order was paid; payment refunds it (payment-on-order-cancelled).
  refund: order.from === 'confirmed',
});

/** Why money went back, to follow "We refunded … for order …". */
export const REFUND_REASON_TEXT: Record<Refund['reason'], string> = {
  order_cancelled: 'because the order was cancelled',
  requested: 'as requested',
};

export const refundedVariables = (refund: Refund, email: string, locale: string = DEFAULT_LOCALE): PaymentRefundedVariables => {
  const money = (amount: number) => formatMoney(amount, refund.currency, locale);
  return {
    email,
    orderId: refund.orderId,
    amount: money(refund.refunded),
    refundedTotal: money(refund.refundedTotal),
    captured: money(refund.amount),
    full: refund.refundedTotal >= refund.amount,
    reason: refund.reason,
    reasonText: REFUND_REASON_TEXT[refund.reason],
    currency: refund.currency,
  };
};

export const stockLowVariables = (
  stock: { productId: string; sku: string; available: number; threshold: number },
  seller: { name: string | null; tenantName: string | null },
  productName: string | undefined,
): StockLowVariables => ({
  name: seller.name ?? '',
  tenantName: seller.tenantName ?? 'your shop',
  productId: stock.productId,
  productName: productName ?? stock.productId,
  sku: stock.sku,
  available: stock.available,
  threshold: stock.threshold,
});

/**
 * The contact projection: whom to write to when an event names no address. The tenant owner's
 * (from tenant.tenant.provisioned) for seller alerts; an order's buyer (from the order events,
 * which carry `email`) for payment events, which do not.
 */
export interface Contact {
  email: string;
  name: string | null;
  /** The tenant's display name, on the owner's contact. */
  tenantName: string | null;
}

export const ownerContactIdOf = (tenantId: string): string => `${tenantId}:owner`;
export const orderContactIdOf = (tenantId: string, orderId: string): string => `${tenantId}:order:${orderId}`;

/** Keeps an order's buyer address from an order event, so a later payment event about the order can reach them. */
export const rememberBuyer = (
  deps: { contacts: Pick<ContactStore, 'put'>; now: () => Date },
  tenantId: string,
  order: { orderId: string; email: string },
): Promise<void> => deps.contacts.put(tenantId, orderContactIdOf(tenantId, order.orderId), { email: order.email, name: null, tenantName: null }, deps.now());
