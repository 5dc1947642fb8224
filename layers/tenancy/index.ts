export { TenantScopeError } from './errors';
export { tenancy, type TenancyOptions } from './middleware';
export { CROSS_TENANT_OPTION, GUARDED_QUERY_OPERATIONS, hasTenantScope, reassignsTenant, tenantScopePlugin, type TenantScopeOptions } from './plugin';
export { scoped, type Scoped } from './repository';
