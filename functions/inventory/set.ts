import { NotFoundError, UnprocessableError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { etagOf, optionalIfMatchHeaders, versionFromEtag } from '../../layers/http/versioning';
import { PRICING_CODES } from '../products/pricing';
import { inventoryStores, productCatalogue, type Catalogue } from './deps';
import type { StockStore } from './repository';
import { setStock, toStockLevel } from './rules';
import { setStockBody, stockLevel, stockParams, type SetStockBody, type StockLevel, type StockParams } from './schemas';

// Schemas: `stockParams`, optional `If-Match`, `setStockBody` in; `stockLevel` out (./schemas).

/**
 * Sets a variant's count on hand (PUT semantics). The first set creates the variant's stock
 * (201, no If-Match); every later one replaces the count at the version the seller last read
 * (If-Match required, 428 without, 412 when stale). Only a variant of one of the tenant's
 * products can be stocked: 404 for a product the tenant does not have (another tenant's
 * included), 422 `variant_not_found` for a variant its product does not have.
 */
export const makeSetStock =
  (deps: { stock: StockStore; catalogue: Catalogue; now: () => Date }) =>
  async (tenantId: string, target: StockParams, input: SetStockBody, expectedVersion?: number): Promise<{ stock: StockLevel; created: boolean }> => {
    const { productId, sku } = target;
    const variant = await deps.catalogue.variant(tenantId, productId, sku);
    if (variant === 'no-product') throw new NotFoundError('product', productId);
    if (variant === 'no-variant') throw new UnprocessableError(`Product ${productId} has no variant ${sku}.`, PRICING_CODES.unknownVariant, { productId, sku });
    const { stock, created } = await deps.stock.update(tenantId, productId, sku, (current) =>
      setStock(current, { tenantId, productId, sku }, input, expectedVersion, { source: 'inventory-set', now: deps.now() }),
    );
    return { stock: toStockLevel(stock), created };
  };

export default defineHttp(
  {
    name: 'inventory-set',
    method: 'PUT',
    path: '/{productId}/{sku}',
    summary: "Set a variant's stock on hand (If-Match required once it exists)",
    tags: ['inventory'],
    auth: 'staff',
    request: { params: stockParams, headers: optionalIfMatchHeaders, body: setStockBody },
    response: { status: 200, schema: stockLevel, description: 'The stock level (201 when this set created it)' },
    errors: [404, 409, 412, 422, 428],
  },
  async ({ params, headers, body, tenantId }) => {
    const ifMatch = headers['if-match'];
    const { stock, created } = await makeSetStock({ ...(await inventoryStores()), catalogue: productCatalogue, now: () => new Date() })(
      tenantId,
      params,
      body,
      ifMatch === undefined ? undefined : versionFromEtag(ifMatch),
    );
    return { status: created ? 201 : 200, body: stock, headers: { etag: etagOf(stock.version) } };
  },
);
