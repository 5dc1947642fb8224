import path from 'node:path';
import { HOST } from './config';
import { httpOk } from './http-probe';
import { goInstall } from './install';
import type { ServiceDefinition } from './types';

/** stripe-mock answers the Stripe API from its bundled OpenAPI spec and fixtures; the payment functions need it. */

export const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock@v0.203.0';

export const stripeMock: ServiceDefinition = {
  name: 'stripe',
  title: 'stripe-mock 0.203',
  envVar: 'STRIPE_API_BASE',
  key: 'stripeApiBase',
  required: true,
  startTimeoutMs: 20_000,
  localUrl: (config) => `http://${HOST}:${config.ports.stripe}`,
  probe: (base) => httpOk(`${base.replace(/\/+$/, '')}/v1/customers`, { Authorization: 'Bearer sk_test_123' }),
  install: (config) => goInstall(config, STRIPE_MOCK_MODULE, 'stripe-mock'),
  // -http-addr is -http-port bound to loopback. stripe-mock also opens HTTPS on all interfaces
  // (:12112) unless told where; nobody here uses it, so it goes to a free loopback port.
  prepare: async (config) => ({
    file: path.join(config.binDir, 'stripe-mock'),
    args: ['-http-addr', `${HOST}:${config.ports.stripe}`, '-https-addr', `${HOST}:0`],
  }),
};
