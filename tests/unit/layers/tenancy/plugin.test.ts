import mongoose, { Schema } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { hasTenantScope, reassignsTenant, scoped, TenantScopeError, tenantScopePlugin } from '../../../../layers/tenancy';

/**
 * A connection that never connects, with buffering off: a refused operation fails with
 * TenantScopeError before reaching the driver, an admitted one fails at the driver with
 * "before initial connection", which tells the two apart without a server.
 */
const connection = mongoose.createConnection();
const schema = new Schema({ tenantId: { type: String, required: true }, name: String, qty: Number }, { bufferCommands: false });
schema.plugin(tenantScopePlugin);
const Item = connection.model('Item', schema);

const untouched = new Schema({ name: String }, { bufferCommands: false });
untouched.plugin(tenantScopePlugin);
const Tenant = connection.model('Tenant', untouched);

const refused = (code = 'tenant_scope_missing') => expect.objectContaining({ name: 'TenantScopeError', code, status: 500 });
const admitted = (promise: Promise<unknown>) => expect(promise).rejects.toThrow(/initial connection/);

describe('hasTenantScope', () => {
  it.each([
    [{ tenantId: 't1' }, true],
    [{ tenantId: { $eq: 't1' }, name: 'x' }, true],
    [{ tenantId: { $in: ['t1', 't2'] } }, true],
    [{ tenantId: new mongoose.Types.ObjectId() }, true],
    [{ $and: [{ name: 'x' }, { tenantId: 't1' }] }, true],
    [{ $or: [{ tenantId: 't1' }, { tenantId: 't2', name: 'x' }] }, true],
    [{}, false],
    [undefined, false],
    [{ name: 'x' }, false],
    [{ tenantId: '' }, false],
    [{ tenantId: null }, false],
    [{ tenantId: { $ne: 't1' } }, false],
    [{ tenantId: { $exists: true } }, false],
    [{ tenantId: { $in: [] } }, false],
    [{ tenantId: { $in: ['t1', { $gt: '' }] } }, false],
    [{ tenantId: { $eq: 't1', $ne: 't2' } }, false],
    [{ $or: [{ tenantId: 't1' }, { name: 'x' }] }, false],
    [{ $or: [] }, false],
    [{ $and: [{ name: 'x' }] }, false],
  ])('%j → %s', (filter, expected) => {
    expect(hasTenantScope(filter)).toBe(expected);
  });
});

describe('reassignsTenant', () => {
  const filter = { tenantId: 't1', _id: 'x' };
  it.each([
    [{ $set: { name: 'y' } }, false, false],
    [{ name: 'y' }, false, false],
    [{ $set: { tenantId: 't1' } }, false, false],
    [{ $setOnInsert: { tenantId: 't1' } }, false, false],
    [{ $inc: { qty: 1 } }, false, false],
    [{ $set: { tenantId: 't2' } }, false, true],
    [{ tenantId: 't2' }, false, true],
    [{ $unset: { tenantId: 1 } }, false, true],
    [{ $rename: { tenantId: 'old' } }, false, true],
    [[{ $set: { name: 'y' } }], false, false],
    [[{ $set: { tenantId: 't2' } }], false, true],
    [[{ $unset: 'tenantId' }], false, true],
    [[{ $unset: ['name'] }, { $addFields: { qty: 1 } }], false, false],
    [[{ $set: { 'tenantId.x': 1 } }], false, true],
    [[{ $set: { name: '$tenantId' } }], false, true],
    [[{ $project: { name: 1 } }], false, true],
    [[{ $replaceWith: { name: 'x' } }], false, true],
    [['$set'], false, true],
    [{ tenantId: 't1', name: 'y' }, true, false],
    [{ name: 'y' }, true, true],
    [{ tenantId: 't2' }, true, true],
    [null, false, false],
  ])('%j (replacing %s) → %s', (update, replacing, expected) => {
    expect(reassignsTenant(update, filter, 'tenantId', replacing)).toBe(expected);
  });
});

describe('tenantScopePlugin', () => {
  it.each([
    ['find', () => Item.find({ name: 'x' })],
    ['findOne by id', () => Item.findById(new mongoose.Types.ObjectId())],
    ['findOneAndUpdate', () => Item.findOneAndUpdate({ name: 'x' }, { qty: 1 })],
    ['findOneAndDelete', () => Item.findOneAndDelete({ name: 'x' })],
    ['findOneAndReplace', () => Item.findOneAndReplace({ name: 'x' }, { tenantId: 't1' })],
    ['updateOne', () => Item.updateOne({}, { qty: 1 })],
    ['updateMany', () => Item.updateMany({ tenantId: { $ne: 't1' } }, { qty: 1 })],
    ['deleteOne', () => Item.deleteOne({ name: 'x' })],
    ['deleteMany', () => Item.deleteMany({})],
    ['countDocuments', () => Item.countDocuments()],
    ['estimatedDocumentCount', () => Item.estimatedDocumentCount()],
    ['distinct', () => Item.distinct('name')],
    ['replaceOne', () => Item.replaceOne({ name: 'x' }, { tenantId: 't1' })],
  ])('refuses an unscoped %s', async (_name, run) => {
    await expect(run()).rejects.toEqual(refused());
  });

  it('admits scoped queries', async () => {
    await admitted(Item.find({ tenantId: 't1' }).exec());
    await admitted(Item.updateOne({ tenantId: 't1', name: 'x' }, { $set: { qty: 2 } }).exec());
    await admitted(Item.countDocuments({ $and: [{ tenantId: 't1' }] }).exec());
  });

  it('refuses updates that move a document to another tenant', async () => {
    await expect(Item.updateOne({ tenantId: 't1' }, { $set: { tenantId: 't2' } })).rejects.toEqual(refused('tenant_reassignment'));
    await expect(Item.findOneAndUpdate({ tenantId: 't1' }, { tenantId: 't2' })).rejects.toEqual(refused('tenant_reassignment'));
    await expect(Item.replaceOne({ tenantId: 't1' }, { name: 'no tenant' })).rejects.toEqual(refused('tenant_reassignment'));
  });

  it('refuses aggregations that do not start with a tenant $match', async () => {
    await expect(Item.aggregate([{ $group: { _id: '$name', n: { $sum: 1 } } }])).rejects.toEqual(refused());
    await expect(Item.aggregate([{ $match: { name: 'x' } }])).rejects.toEqual(refused());
    await expect(Item.aggregate([])).rejects.toEqual(refused());
    await admitted(Item.aggregate([{ $match: { tenantId: 't1' } }, { $group: { _id: '$name', n: { $sum: 1 } } }]).exec());
  });

  it('refuses saving or inserting documents without a tenant', async () => {
    await expect(new Item({ name: 'x' }).save()).rejects.toEqual(refused());
    await expect(Item.create({ name: 'x' })).rejects.toEqual(refused());
    await expect(Item.insertMany([{ tenantId: 't1', name: 'a' }, { name: 'b' }])).rejects.toEqual(refused());
    await expect(new Item({ name: 'x' }).save({ validateBeforeSave: false })).rejects.toEqual(refused());
    await admitted(new Item({ tenantId: 't1', name: 'x' }).save());
  });

  it('refuses saving a loaded document moved to another tenant', async () => {
    const doc = Item.hydrate({ _id: new mongoose.Types.ObjectId(), tenantId: 't1', name: 'x' });
    doc.set('tenantId', 't2');
    await expect(doc.save()).rejects.toEqual(refused('tenant_reassignment'));
  });

  it('refuses unscoped bulk writes', async () => {
    await expect(Item.bulkWrite([{ insertOne: { document: { name: 'x' } } }])).rejects.toEqual(refused());
    await expect(Item.bulkWrite([{ updateOne: { filter: { name: 'x' }, update: { qty: 1 } } }])).rejects.toEqual(refused());
    await expect(Item.bulkWrite([{ deleteMany: { filter: {} } }])).rejects.toEqual(refused());
    await expect(Item.bulkWrite([{ updateMany: { filter: { tenantId: 't1' }, update: { $set: { tenantId: 't2' } } } }])).rejects.toEqual(
      refused('tenant_reassignment'),
    );
    await expect(Item.bulkWrite([{ replaceOne: { filter: { tenantId: 't1' }, replacement: { name: 'y' } as never } }])).rejects.toEqual(
      refused('tenant_reassignment'),
    );
    await admitted(Item.bulkWrite([{ insertOne: { document: { tenantId: 't1', name: 'x' } } }, { deleteOne: { filter: { tenantId: 't1' } } }]));
  });

  it('lets a query that says so span tenants', async () => {
    await admitted(Item.find({ name: 'x' }).setOptions({ crossTenant: true }).exec());
    await admitted(
      Item.aggregate([{ $group: { _id: null, n: { $sum: 1 } } }])
        .option({ crossTenant: true } as never)
        .exec(),
    );
  });

  it('leaves schemas without a tenant path alone', async () => {
    await admitted(Tenant.find({}).exec());
  });

  it('names model and operation on the error, not in its public detail', async () => {
    const error = (await Item.find({})
      .exec()
      .catch((e: unknown) => e)) as TenantScopeError;
    expect(error).toBeInstanceOf(TenantScopeError);
    expect(error).toMatchObject({ model: 'Item', operation: 'find', message: 'A data access was refused by the tenant guard.' });
  });
});

describe('scoped', () => {
  it('pins every filter and created document to its tenant', async () => {
    const repo = scoped(Item, 't1');
    const filters = [
      repo.find({ name: 'x', tenantId: 't2' }).getFilter(),
      repo.findOne().getFilter(),
      repo.findOneAndUpdate({ _id: 'a' }, { qty: 1 }).getFilter(),
      repo.updateOne({ name: 'x' }, { qty: 1 }).getFilter(),
      repo.deleteOne({ name: 'x' }).getFilter(),
      repo.countDocuments().getFilter(),
    ];
    for (const filter of filters) expect(filter.tenantId).toBe('t1');
    await admitted(repo.create({ name: 'x', tenantId: 't2' }));
    expect(() => scoped(Item, '')).toThrow(TypeError);
  });
});
