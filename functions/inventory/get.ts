import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { etagOf } from '../../layers/http/versioning';
import { inventoryStores } from './deps';
import type { StockStore } from './repository';
import { stockId, toStockLevel } from './rules';
import { stockLevel, stockParams, type StockLevel, type StockParams } from './schemas';

// Schemas: `stockParams` in; `stockLevel` out (./schemas).

/** A variant's stock from the write model: on hand, held for orders, and available. */
export const makeGetStock =
  (deps: { stock: Pick<StockStore, 'get'> }) =>
  async (tenantId: string, { productId, sku }: StockParams): Promise<StockLevel> => {
    const stock = await deps.stock.get(tenantId, productId, sku);
    if (!stock) throw new NotFoundError('stock', stockId(productId, sku));
    return toStockLevel(stock);
  };

export default defineHttp(
  {
    name: 'inventory-get',
    method: 'GET',
    path: '/{productId}/{sku}',
    summary: "Get a variant's stock level",
    tags: ['inventory'],
    auth: 'customer',
    request: { params: stockParams },
    response: { status: 200, schema: stockLevel, description: 'The stock level' },
    errors: [404],
  },
  async ({ params, tenantId }) => {
    const stock = await makeGetStock(await inventoryStores())(tenantId, params);
    return { body: stock, headers: { etag: etagOf(stock.version), 'cache-control': 'private, max-age=0, must-revalidate' } };
  },
);
