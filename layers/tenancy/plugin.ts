import type { Aggregate, Document, Query, Schema } from 'mongoose';
import { TenantScopeError } from './errors';

/**
 * The data layer's half of tenant isolation: a mongoose plugin that refuses, before anything
 * reaches the server, every query whose filter does not pin one tenant (or an explicit list
 * of tenants), every aggregation whose first stage is not such a `$match`, every write of a
 * document without a tenant, and every update that would move a document to another tenant.
 *
 * Apply it per schema (`schema.plugin(tenantScopePlugin)`) or globally
 * (`mongoose.plugin(tenantScopePlugin)`); schemas without the tenant path (sub-documents, the
 * tenants collection itself) are left alone. Jobs that must span tenants (cron sweeps, the
 * audit report) say so per query with the `crossTenant` option: `.setOptions({ crossTenant: true })`
 * or `Model.aggregate(pipeline).option({ crossTenant: true })`.
 *
 * `doc.save()` of a loaded document is allowed (it was loaded through a scoped query), but
 * `doc.deleteOne()` and `doc.updateOne()` filter by `_id` alone and are refused: go through
 * `scoped(model, tenantId)` instead.
 */
export interface TenantScopeOptions {
  field: string;
}

const defaults: TenantScopeOptions = { field: 'tenantId' };

export const CROSS_TENANT_OPTION = 'crossTenant';

export const GUARDED_QUERY_OPERATIONS = [
  'countDocuments',
  'distinct',
  'estimatedDocumentCount',
  'find',
  'findOne',
  'findOneAndDelete',
  'findOneAndReplace',
  'findOneAndUpdate',
  'replaceOne',
  'updateMany',
  'updateOne',
  'deleteMany',
  'deleteOne',
] as const;

const REPLACING_OPERATIONS = new Set(['replaceOne', 'findOneAndReplace']);
const UPDATING_OPERATIONS = new Set(['updateOne', 'updateMany', 'findOneAndUpdate']);

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain => value !== null && typeof value === 'object' && !Array.isArray(value);

const isTenantId = (value: unknown): boolean =>
  (typeof value === 'string' && value.length > 0) || (isPlain(value) && (value as { _bsontype?: unknown })._bsontype === 'ObjectId');

/** A condition that pins the field to known tenants: a value, `{ $eq: v }`, or `{ $in: [v, ...] }`. */
const isScopingCondition = (condition: unknown): boolean => {
  if (isTenantId(condition)) return true;
  if (!isPlain(condition)) return false;
  const operators = Object.keys(condition);
  if (operators.length !== 1) return false;
  if (operators[0] === '$eq') return isTenantId(condition.$eq);
  if (operators[0] === '$in') return Array.isArray(condition.$in) && condition.$in.length > 0 && condition.$in.every(isTenantId);
  return false;
};

/** True when every document the filter can match belongs to a pinned tenant. */
export const hasTenantScope = (filter: unknown, field = defaults.field): boolean => {
  if (!isPlain(filter)) return false;
  if (isScopingCondition(filter[field])) return true;
  const { $and, $or } = filter;
  if (Array.isArray($and) && $and.some((clause) => hasTenantScope(clause, field))) return true;
  return Array.isArray($or) && $or.length > 0 && $or.every((clause) => hasTenantScope(clause, field));
};

/** The single tenant a filter pins, when it pins exactly one. */
const tenantOf = (filter: unknown, field: string): unknown => {
  if (!isPlain(filter)) return undefined;
  const condition = filter[field];
  if (isTenantId(condition)) return condition;
  return isPlain(condition) && Object.keys(condition).length === 1 && isTenantId(condition.$eq) ? condition.$eq : undefined;
};

const sameTenant = (a: unknown, b: unknown): boolean => a !== undefined && b !== undefined && String(a) === String(b);

/** Whether any key or string inside `value` names the field. */
const mentions = (value: unknown, field: string): boolean => {
  if (typeof value === 'string') return value === field || value === `$${field}`;
  if (Array.isArray(value)) return value.some((item) => mentions(item, field));
  if (isPlain(value)) return Object.entries(value).some(([key, child]) => key === field || key.startsWith(`${field}.`) || mentions(child, field));
  return false;
};

/** Update-pipeline stages that keep the fields they do not name; $project or $replaceWith would drop the tenant. */
const FIELD_PRESERVING_STAGES = new Set(['$set', '$addFields', '$unset']);

const pipelineTouches = (pipeline: unknown[], field: string): boolean =>
  pipeline.some((stage) => !isPlain(stage) || Object.keys(stage).some((op) => !FIELD_PRESERVING_STAGES.has(op)) || mentions(stage, field));

/** True when the update would change or remove the tenant of a matched document. */
export const reassignsTenant = (update: unknown, filter: unknown, field = defaults.field, replacing = false): boolean => {
  if (Array.isArray(update)) return pipelineTouches(update, field);
  if (!isPlain(update)) return false;
  if (replacing) return !sameTenant(update[field], tenantOf(filter, field));
  for (const [key, value] of Object.entries(update)) {
    if (!key.startsWith('$')) {
      if (key === field && !sameTenant(value, tenantOf(filter, field))) return true;
      continue;
    }
    // $setOnInsert only applies to a new document, whose tenant the filter's equality fixes.
    if (key === '$setOnInsert' || !isPlain(value) || !(field in value)) continue;
    if (key !== '$set' || !sameTenant(value[field], tenantOf(filter, field))) return true;
  }
  return false;
};

const valueOf = (doc: unknown, field: string): unknown => {
  if (doc && typeof (doc as Document).get === 'function') return (doc as Document).get(field);
  return isPlain(doc) ? doc[field] : undefined;
};

interface BulkOperation {
  insertOne?: { document: unknown };
  updateOne?: { filter: unknown; update: unknown };
  updateMany?: { filter: unknown; update: unknown };
  replaceOne?: { filter: unknown; replacement: unknown };
  deleteOne?: { filter: unknown };
  deleteMany?: { filter: unknown };
}

/** The first unscoped step of a bulk write, as an error, or undefined when all are scoped. */
const checkBulk = (ops: readonly BulkOperation[], field: string, model: string): TenantScopeError | undefined => {
  for (const op of ops) {
    if (op.insertOne && !isTenantId(valueOf(op.insertOne.document, field))) return new TenantScopeError(model, 'bulkWrite.insertOne');
    for (const kind of ['updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany'] as const) {
      const step = op[kind];
      if (!step) continue;
      if (!hasTenantScope(step.filter, field)) return new TenantScopeError(model, `bulkWrite.${kind}`);
      const update = 'update' in step ? step.update : 'replacement' in step ? step.replacement : undefined;
      if (update !== undefined && reassignsTenant(update, step.filter, field, kind === 'replaceOne')) {
        return new TenantScopeError(model, `bulkWrite.${kind}`, 'tenant_reassignment');
      }
    }
  }
  return undefined;
};

/** Reads and removes our option so it never reaches the driver. */
const takeCrossTenant = (options: Plain | undefined): boolean => {
  if (!options || !(CROSS_TENANT_OPTION in options)) return false;
  const value = options[CROSS_TENANT_OPTION] === true;
  delete options[CROSS_TENANT_OPTION];
  return value;
};

export const tenantScopePlugin = (schema: Schema, opts: Partial<TenantScopeOptions> = {}): void => {
  const { field } = { ...defaults, ...opts };
  if (!schema.path(field)) return;

  schema.pre([...GUARDED_QUERY_OPERATIONS], { document: false, query: true }, function tenantScopeQueryPre(this: Query<unknown, unknown>) {
    if (takeCrossTenant(this.getOptions() as Plain)) return;
    const model = this.model.modelName;
    const operation = (this as unknown as { op?: string }).op ?? 'query';
    const filter = this.getFilter();
    if (!hasTenantScope(filter, field)) throw new TenantScopeError(model, operation);
    if (UPDATING_OPERATIONS.has(operation) || REPLACING_OPERATIONS.has(operation)) {
      if (reassignsTenant(this.getUpdate(), filter, field, REPLACING_OPERATIONS.has(operation))) {
        throw new TenantScopeError(model, operation, 'tenant_reassignment');
      }
    }
  });

  schema.pre('aggregate', function tenantScopeAggregatePre(this: Aggregate<unknown>) {
    if (takeCrossTenant(this.options as Plain)) return;
    const first = this.pipeline()[0] as Plain | undefined;
    if (!first || !hasTenantScope(first.$match, field)) throw new TenantScopeError(this.model().modelName, 'aggregate');
  });

  // On validate too, so the typed error wins over a `required` validation error, and on save
  // for schemas saved with `validateBeforeSave: false`.
  const guardDocument = function tenantScopeDocumentPre(this: Document) {
    const model = (this.constructor as { modelName?: string }).modelName ?? 'document';
    if (!isTenantId(this.get(field))) throw new TenantScopeError(model, 'save');
    if (!this.isNew && this.isModified(field)) throw new TenantScopeError(model, 'save', 'tenant_reassignment');
  };
  schema.pre('validate', guardDocument);
  schema.pre('save', guardDocument);

  schema.pre('insertMany', function tenantScopeInsertManyPre(this: { modelName: string }, next: (error?: Error) => void, docs: unknown) {
    const list = Array.isArray(docs) ? docs : [docs];
    next(list.every((doc) => isTenantId(valueOf(doc, field))) ? undefined : new TenantScopeError(this.modelName, 'insertMany'));
  });

  schema.pre('bulkWrite', function tenantScopeBulkWritePre(this: { modelName: string }, next: (error?: Error) => void, ops: unknown) {
    next(checkBulk(Array.isArray(ops) ? (ops as BulkOperation[]) : [], field, this.modelName));
  });
};
