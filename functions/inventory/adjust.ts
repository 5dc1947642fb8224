import { defineHttp } from '../../layers/http/define';
import { etagOf, optionalIfMatchHeaders, versionFromEtag } from '../../layers/http/versioning';
import { inventoryStores } from './deps';
import type { StockStore } from './repository';
import { adjustStock, stockId, toStockLevel } from './rules';
import { adjustStockBody, stockLevel, stockParams, type AdjustStockBody, type StockLevel, type StockParams } from './schemas';

// Schemas: `stockParams`, optional `If-Match`, `adjustStockBody` in; `stockLevel` out (./schemas).

/**
 * Changes a variant's count on hand by `delta` (a delivery in, breakage or loss out), with its
 * reason in the stock.changed event. Relative changes commute, so If-Match is optional; the
 * Idempotency-Key is not, since a retried adjustment must not count twice. It cannot take
 * available below 0 (409 `insufficient_stock`): held units belong to orders.
 */
export const makeAdjustStock =
  (deps: { stock: StockStore; now: () => Date }) =>
  async (tenantId: string, { productId, sku }: StockParams, input: AdjustStockBody, expectedVersion?: number): Promise<StockLevel> => {
    const stock = await deps.stock.update(tenantId, productId, sku, (current) =>
      adjustStock(current, stockId(productId, sku), input, expectedVersion, { source: 'inventory-adjust', now: deps.now() }),
    );
    return toStockLevel(stock);
  };

export default defineHttp(
  {
    name: 'inventory-adjust',
    method: 'POST',
    path: '/{productId}/{sku}',
    summary: "Adjust a variant's stock on hand by a delta, with a reason (Idempotency-Key required)",
    tags: ['inventory'],
    auth: 'staff',
    idempotent: true,
    request: { params: stockParams, headers: optionalIfMatchHeaders, body: adjustStockBody },
    response: { status: 200, schema: stockLevel, description: 'The adjusted stock level' },
    errors: [404, 409, 412, 422],
  },
  async ({ params, headers, body, tenantId }) => {
    const ifMatch = headers['if-match'];
    const stock = await makeAdjustStock({ ...(await inventoryStores()), now: () => new Date() })(
      tenantId,
      params,
      body,
      ifMatch === undefined ? undefined : versionFromEtag(ifMatch),
    );
    return { body: stock, headers: { etag: etagOf(stock.version) } };
  },
);
