/**
 * Each integration/e2e test file gets its own database base name, so files never see each
 * other's data and a second run starts clean. Runs before the file's modules load config.
 */
const base = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
const url = new URL(base);
url.pathname = `/it_${process.pid}_${Date.now().toString(36)}`;
process.env.MONGO_URL = url.toString();

// Tenant ids minted by tests have no plan projection; give them the largest plan so the
// per-tenant rate limit and quotas never interfere. Plan limits have their own tests, which
// project the plan they test (layers/plans/projection.ts `writeTenantPlan`).
process.env.UNPROVISIONED_TENANT_PLAN ??= 'ENTERPRISE';
