import type { AnyKeys, Model, MongooseUpdateQueryOptions, ProjectionType, QueryOptions, RootFilterQuery, UpdateQuery } from 'mongoose';

/**
 * A model seen through one tenant's eyes: every filter gets `tenantId` (overriding whatever the
 * caller put there) and every created document carries it. Operations take the tenant from
 * `context.tenantId`, which only the verified token sets, so ids from a request can never
 * reach another tenant's documents: a foreign id simply matches nothing.
 */
export const scoped = <T>(model: Model<T>, tenantId: string) => {
  if (typeof tenantId !== 'string' || tenantId.length === 0) throw new TypeError('scoped: tenantId is required.');
  const scope = (filter: RootFilterQuery<T> = {}): RootFilterQuery<T> => ({ ...(filter as object), tenantId }) as RootFilterQuery<T>;
  return {
    tenantId,
    model,
    find: (filter?: RootFilterQuery<T>, projection?: ProjectionType<T> | null, options?: QueryOptions<T> | null) =>
      model.find(scope(filter), projection, options),
    findOne: (filter?: RootFilterQuery<T>, projection?: ProjectionType<T> | null, options?: QueryOptions<T> | null) =>
      model.findOne(scope(filter), projection, options),
    findOneAndUpdate: (filter: RootFilterQuery<T>, update: UpdateQuery<T>, options: QueryOptions<T> = {}) =>
      model.findOneAndUpdate(scope(filter), update, options),
    updateOne: (filter: RootFilterQuery<T>, update: UpdateQuery<T>, options?: MongooseUpdateQueryOptions<T> | null) =>
      model.updateOne(scope(filter), update, options),
    deleteOne: (filter: RootFilterQuery<T>) => model.deleteOne(scope(filter)),
    countDocuments: (filter?: RootFilterQuery<T>) => model.countDocuments(scope(filter)),
    create: (doc: AnyKeys<T>) => model.create({ ...doc, tenantId } as AnyKeys<T>),
  };
};

export type Scoped<T> = ReturnType<typeof scoped<T>>;
