import { randomUUID } from 'node:crypto';
import mongoose, { Schema, type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoped, tenantScopePlugin } from '../../../layers/tenancy';

let connection: Connection;

const noteSchema = new Schema({ tenantId: { type: String, required: true, index: true }, title: String, views: { type: Number, default: 0 } });
noteSchema.plugin(tenantScopePlugin);

beforeAll(async () => {
  const base = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', { serverSelectionTimeoutMS: 10_000 }).asPromise();
  connection = base.useDb(`layers_tenancy_${randomUUID().slice(0, 8)}`);
});

afterAll(async () => {
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
});

const refused = (code = 'tenant_scope_missing') => expect.objectContaining({ name: 'TenantScopeError', code, status: 500 });

describe('tenant scope on the Mongo-wire server', () => {
  it('refuses a query without a tenant scope, and serves a scoped one', async () => {
    const Note = connection.model('NoteA', noteSchema);
    const a = scoped(Note, 'tenant-a');
    const created = await a.create({ title: 'first' });
    expect(created.tenantId).toBe('tenant-a');

    await expect(Note.find({ title: 'first' }).exec()).rejects.toEqual(refused());
    await expect(Note.findById(created._id).exec()).rejects.toEqual(refused());
    await expect(Note.countDocuments({}).exec()).rejects.toEqual(refused());
    await expect(Note.deleteMany({}).exec()).rejects.toEqual(refused());
    await expect(Note.aggregate([{ $group: { _id: null, n: { $sum: 1 } } }]).exec()).rejects.toEqual(refused());
    await expect(Note.insertMany([{ title: 'orphan' }])).rejects.toEqual(refused());
    await expect(a.updateOne({ _id: created._id }, { $set: { tenantId: 'tenant-b' } }).exec()).rejects.toEqual(refused('tenant_reassignment'));

    expect(await Note.find({ tenantId: 'tenant-a' }).lean().exec()).toHaveLength(1);
    expect(await Note.aggregate([{ $match: { tenantId: 'tenant-a' } }, { $group: { _id: '$tenantId', n: { $sum: 1 } } }]).exec()).toEqual([
      { _id: 'tenant-a', n: 1 },
    ]);
    expect(await Note.countDocuments({}).setOptions({ crossTenant: true }).exec()).toBe(1);
  });

  it("never lets tenant A read, change or delete tenant B's document through scoped", async () => {
    const Note = connection.model('NoteB', noteSchema);
    const a = scoped(Note, 'tenant-a');
    const b = scoped(Note, 'tenant-b');
    const secret = await b.create({ title: 'b secret' });
    const mine = await a.create({ title: 'a note' });

    expect(await a.findOne({ _id: secret._id }).lean().exec()).toBeNull();
    // A filter that names the other tenant is overridden, not obeyed.
    expect(await a.find({ tenantId: 'tenant-b' }).lean().exec()).toEqual([expect.objectContaining({ title: 'a note' })]);
    expect(await a.countDocuments()).toBe(1);
    expect((await a.updateOne({ _id: secret._id }, { $set: { title: 'pwned' } }).exec()).matchedCount).toBe(0);
    expect(await a.findOneAndUpdate({ _id: secret._id }, { $inc: { views: 1 } }, { new: true }).exec()).toBeNull();
    expect((await a.deleteOne({ _id: secret._id }).exec()).deletedCount).toBe(0);

    expect(await b.findOne({ _id: secret._id }).lean().exec()).toMatchObject({ title: 'b secret', views: 0, tenantId: 'tenant-b' });
    expect(
      await a
        .findOneAndUpdate({ _id: mine._id }, { $inc: { views: 1 } }, { new: true })
        .lean()
        .exec(),
    ).toMatchObject({ views: 1 });
    expect((await a.deleteOne({ _id: mine._id }).exec()).deletedCount).toBe(1);
  });

  it('saves loaded documents but refuses moving them to another tenant, and refuses document deletes by bare id', async () => {
    const Note = connection.model('NoteC', noteSchema);
    const a = scoped(Note, 'tenant-a');
    await a.create({ title: 'draft' });
    const doc = (await a.findOne({ title: 'draft' }).exec())!;
    doc.set('title', 'final');
    await doc.save();
    expect(await a.findOne({ _id: doc._id }).lean().exec()).toMatchObject({ title: 'final' });
    doc.set('tenantId', 'tenant-b');
    await expect(doc.save()).rejects.toEqual(refused('tenant_reassignment'));
    const fresh = (await a.findOne({ _id: doc._id }).exec())!;
    await expect(fresh.deleteOne()).rejects.toEqual(refused());
  });
});
