import { UnprocessableError } from '../../layers/errors';
import type { StoredView } from './read-model';

/**
 * Prices come from the product read model, never from the client: cart and orders both price a
 * line here, so a cart and the order placed from it agree on every amount. Money is integer
 * minor units; a variant without its own price sells at the product's price.
 */
export interface LineRequest {
  productId: string;
  sku: string;
  quantity: number;
}

export interface PricedLine extends LineRequest {
  name: string;
  unitPrice: number;
  lineTotal: number;
  currency: string;
}

export const PRICING_CODES = {
  unavailable: 'product_unavailable',
  unknownVariant: 'variant_not_found',
  mixedCurrencies: 'mixed_currencies',
  insufficientStock: 'insufficient_stock',
} as const;

/** Prices one line from the product's view; a product that is missing, deleted or not active cannot be bought. */
export const priceLine = (view: StoredView | undefined, line: LineRequest): PricedLine => {
  const product = view?.product;
  if (!product || product.status !== 'active') {
    throw new UnprocessableError(`Product ${line.productId} is not for sale.`, PRICING_CODES.unavailable, { productId: line.productId });
  }
  const variant = product.variants.find((candidate) => candidate.sku === line.sku);
  if (!variant) {
    throw new UnprocessableError(`Product ${line.productId} has no variant ${line.sku}.`, PRICING_CODES.unknownVariant, {
      productId: line.productId,
      sku: line.sku,
    });
  }
  const price = variant.price ?? product.price;
  return {
    ...line,
    name: variant.name === product.name ? product.name : `${product.name} (${variant.name})`,
    unitPrice: price.amount,
    lineTotal: price.amount * line.quantity,
    currency: price.currency,
  };
};

/**
 * A line within the stock the read model knows of (422 `insufficient_stock`): plainly too much is
 * refused before anything is written. The read model trails the stock by an event, so this is no
 * guarantee: the reservation stays the authority, and a variant whose stock is unknown is not refused.
 */
export const requireInStock = (view: StoredView | undefined, line: LineRequest): void => {
  const stock = view?.stock[line.sku];
  if (stock && stock.available < line.quantity) {
    throw new UnprocessableError(`Only ${stock.available} of ${line.sku} are available.`, PRICING_CODES.insufficientStock, {
      sku: line.sku,
      available: stock.available,
      requested: line.quantity,
    });
  }
};

/** The lines' common currency and subtotal; one order or cart is in one currency. */
export const totalOf = (lines: readonly PricedLine[]): { currency: string; subtotal: number } => {
  const currencies = new Set(lines.map((line) => line.currency));
  if (currencies.size > 1) {
    throw new UnprocessableError(`Lines are priced in ${[...currencies].join(' and ')}; one order takes one currency.`, PRICING_CODES.mixedCurrencies);
  }
  return { currency: lines[0]?.currency ?? 'USD', subtotal: lines.reduce((sum, line) => sum + line.lineTotal, 0) };
};
