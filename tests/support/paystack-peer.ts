/**
 * The local Paystack peer for tests: a real HTTP server with Paystack's endpoints, envelopes,
 * bearer-key check and webhook signatures. It lives with the gateway (openfaas/gateway/dev-paystack.ts),
 * which also serves it to `npm start`.
 *
 *   const paystack = await startPaystackPeer({ secretKey: process.env.PAYSTACK_SECRET_KEY });
 *   process.env.PAYSTACK_API_BASE = paystack.url;
 *   const { webhook } = await paystack.pay(orderId); // signed charge.success, to deliver yourself
 */
export {
  PAYSTACK_CURRENCIES,
  startPaystackPeer,
  type PaystackPeer,
  type PaystackPeerOptions,
  type PeerRefund,
  type PeerTransaction,
  type SignedWebhook,
} from '../../openfaas/gateway/dev-paystack';
