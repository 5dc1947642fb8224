import { v7 as uuidv7 } from 'uuid';
import { createTokenSigner } from '../../../layers/auth';
import type { Role } from '../../../layers/auth/types';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { attributesOf, toHeaders } from '../../../layers/events/cloudevent';
import { sign as signDelivery } from '../../../layers/events/http-binding';
import type { OpenFaasHandler } from '../../../layers/http/openfaas';
import { applyProductSnapshot, applyStock, viewStore } from '../../../functions/products/read-model';
import type { Product } from '../../../functions/products/schemas';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';
import type { useTestKeys } from '../support/invoke';

/** Tokens of distinct buyers of one tenant (useTestKeys' signer names one user per tenant). */
export const buyerTokens = (keys: Awaited<ReturnType<typeof useTestKeys>>) => {
  const signer = createTokenSigner({
    privateJwk: keys.key.privateJwk,
    kid: keys.key.kid,
    issuer: 'https://auth.marketplace.local',
    audience: 'marketplace-api',
    ttlSeconds: 600,
  });
  return (tenantId: string, userId: string, roles: Role[] = ['customer']) => signer.sign({ sub: userId, tid: tenantId, roles });
};

export interface SeedProduct {
  status?: Product['status'];
  currency?: string;
  price?: number;
  variants?: { sku: string; price?: number }[];
  /** Stock the read model knows of, per sku. */
  stock?: Record<string, number>;
}

/**
 * Puts a product in the tenant's read model, as the products projections would: the cart prices
 * from the read model alone.
 */
export const seedProduct = async (tenantId: string, seed: SeedProduct = {}): Promise<Product> => {
  const at = new Date().toISOString();
  const currency = seed.currency ?? 'EUR';
  const product: Product = {
    id: uuidv7(),
    tenantId,
    storeId: 'main',
    name: 'Linen Apron',
    description: '',
    category: 'uncategorised',
    tags: [],
    status: seed.status ?? 'active',
    price: { amount: seed.price ?? 1250, currency },
    variants: (seed.variants ?? [{ sku: 'STD' }]).map((v) => ({
      sku: v.sku,
      name: v.sku,
      attributes: {},
      ...(v.price === undefined ? {} : { price: { amount: v.price, currency } }),
    })),
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  const views = await viewStore();
  await views.update(tenantId, product.id, applyProductSnapshot(product));
  for (const [sku, available] of Object.entries(seed.stock ?? {})) {
    await views.update(tenantId, product.id, applyStock({ sku, available, reserved: 0, version: 1 }));
  }
  return product;
};

/** Delivers an event to a consumer module as the trigger connector does; returns its status and body. */
export const deliver = async (mod: { default: OpenFaasHandler }, entry: OutboxEntry) => {
  const headers: Record<string, string> = { ...toHeaders(attributesOf(entry), 'ce-'), 'x-topic': entry.topic };
  const secret = process.env.CONNECTOR_SECRET;
  if (secret) headers['x-connector-signature'] = signDelivery(secret, entry.id, entry.data);
  const reply = await invokeHandler(mod.default as never, { method: 'POST', path: '/', headers, query: {}, body: entry.data });
  const text = reply.body.toString();
  return { status: reply.status, body: (text ? JSON.parse(text) : undefined) as { status?: string } };
};
