/**
 * Which MongoDB features the running Mongo-wire server serves; prints one line per feature.
 *   npx tsx infra/ferretdb/capabilities.ts [mongodb://127.0.0.1:27017/]
 * Written for FerretDB 1.24 (SQLite) against the subset in ARCHITECTURE.md §2; a MongoDB replica set passes all.
 */
import assert from 'node:assert/strict';
import { mongo } from 'mongoose';

type Db = InstanceType<typeof mongo.Db>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- schemaless probes
type Doc = any;
// `as never` below: the driver's array-operator typings do not resolve for untyped documents

const checks: Record<string, (db: Db) => Promise<void>> = {
  'unique compound index': async (db) => {
    const c = db.collection<Doc>('uniq');
    await c.createIndex({ tenantId: 1, sku: 1 }, { unique: true });
    await c.insertOne({ tenantId: 't1', sku: 'a' });
    await c.insertOne({ tenantId: 't2', sku: 'a' });
    await assert.rejects(c.insertOne({ tenantId: 't1', sku: 'a' }), (e: { code?: number }) => e.code === 11000);
  },
  '$pull with $in': async (db) => {
    const c = db.collection<Doc>('pull');
    const { insertedId } = await c.insertOne({ tags: ['a', 'b', 'c'] });
    await c.updateOne({ _id: insertedId }, { $pull: { tags: { $in: ['a', 'c'] } } } as never);
    assert.deepEqual((await c.findOne({ _id: insertedId }))?.tags, ['b']);
  },
  '$pull subdocuments by a field condition': async (db) => {
    const c = db.collection<Doc>('pullsub');
    const { insertedId } = await c.insertOne({
      outbox: [
        { id: 'e1', type: 'x' },
        { id: 'e2', type: 'x' },
      ],
    });
    await c.updateOne({ _id: insertedId }, { $pull: { outbox: { id: 'e1' } } } as never);
    assert.deepEqual((await c.findOne({ _id: insertedId }))?.outbox, [{ id: 'e2', type: 'x' }]);
  },
  '$pullAll of whole subdocuments': async (db) => {
    const c = db.collection<Doc>('pullall');
    const { insertedId } = await c.insertOne({
      outbox: [
        { id: 'e1', type: 'x' },
        { id: 'e2', type: 'x' },
      ],
    });
    await c.updateOne({ _id: insertedId }, { $pullAll: { outbox: [{ id: 'e1', type: 'x' }] } } as never);
    assert.deepEqual((await c.findOne({ _id: insertedId }))?.outbox, [{ id: 'e2', type: 'x' }]);
  },
  "'outbox.0': {$exists: true}": async (db) => {
    const c = db.collection<Doc>('exists0');
    await c.insertMany([{ n: 1, outbox: [{ id: 'e1' }] }, { n: 2, outbox: [] }, { n: 3 }]);
    const found = await c.find({ 'outbox.0': { $exists: true } }).toArray();
    assert.deepEqual(
      found.map((d) => d.n),
      [1],
    );
  },
  "'outbox.id': {$exists: true}": async (db) => {
    const c = db.collection<Doc>('existsid');
    await c.insertMany([{ n: 1, outbox: [{ id: 'e1' }] }, { n: 2, outbox: [] }, { n: 3 }]);
    const found = await c.find({ 'outbox.id': { $exists: true } }).toArray();
    assert.deepEqual(
      found.map((d) => d.n),
      [1],
    );
  },
  $all: async (db) => {
    const c = db.collection<Doc>('all');
    await c.insertMany([
      { n: 1, tags: ['a', 'b', 'c'] },
      { n: 2, tags: ['a'] },
    ]);
    const found = await c.find({ tags: { $all: ['a', 'b'] } }).toArray();
    assert.deepEqual(
      found.map((d) => d.n),
      [1],
    );
  },
  $regex: async (db) => {
    const c = db.collection<Doc>('regex');
    await c.insertMany([
      { n: 1, name: 'Blue Shirt' },
      { n: 2, name: 'red hat' },
    ]);
    assert.deepEqual(
      (await c.find({ name: { $regex: '^blue', $options: 'i' } }).toArray()).map((d) => d.n),
      [1],
    );
    assert.deepEqual(
      (await c.find({ name: /hat$/ }).toArray()).map((d) => d.n),
      [2],
    );
  },
  "findOneAndUpdate returnDocument 'after'": async (db) => {
    const c = db.collection<Doc>('foau');
    await c.insertOne({ _id: 'k', v: 1 });
    const after = await c.findOneAndUpdate({ _id: 'k' }, { $set: { v: 2 } }, { returnDocument: 'after' });
    assert.equal(after?.v, 2);
    const upserted = await c.findOneAndUpdate({ _id: 'u' }, { $setOnInsert: { created: true }, $inc: { n: 1 } }, { upsert: true, returnDocument: 'after' });
    assert.equal(upserted?.n, 1);
  },
  $inc: async (db) => {
    const c = db.collection<Doc>('inc');
    const { insertedId } = await c.insertOne({ stock: 5, rating: { sum: 0, count: 0 } });
    await c.updateOne({ _id: insertedId, stock: { $gte: 2 } }, { $inc: { stock: -2, 'rating.sum': 4, 'rating.count': 1 } });
    const doc = await c.findOne({ _id: insertedId });
    assert.equal(doc?.stock, 3);
    assert.deepEqual(doc?.rating, { sum: 4, count: 1 });
  },
  '$push with $each': async (db) => {
    const c = db.collection<Doc>('push');
    const { insertedId } = await c.insertOne({ outbox: [{ id: 'e0' }] });
    await c.updateOne({ _id: insertedId }, { $push: { outbox: { $each: [{ id: 'e1' }, { id: 'e2' }] } } } as never);
    assert.deepEqual(
      (await c.findOne({ _id: insertedId }))?.outbox.map((e: { id: string }) => e.id),
      ['e0', 'e1', 'e2'],
    );
  },
  '$elemMatch on scalars': async (db) => {
    const c = db.collection<Doc>('elemscalar');
    await c.insertMany([
      { n: 1, v: [1, 5, 9] },
      { n: 2, v: [1, 9] },
    ]);
    const found = await c.find({ v: { $elemMatch: { $gte: 4, $lt: 6 } } }).toArray();
    assert.deepEqual(
      found.map((d) => d.n),
      [1],
    );
  },
  '$elemMatch on subdocuments': async (db) => {
    const c = db.collection<Doc>('elem');
    await c.insertMany([
      {
        n: 1,
        items: [
          { sku: 'a', qty: 1 },
          { sku: 'b', qty: 5 },
        ],
      },
      { n: 2, items: [{ sku: 'a', qty: 5 }] },
    ]);
    const found = await c.find({ items: { $elemMatch: { sku: 'b', qty: { $gte: 2 } } } }).toArray();
    assert.deepEqual(
      found.map((d) => d.n),
      [1],
    );
  },
  'sort + limit on compound keys': async (db) => {
    const c = db.collection<Doc>('sort');
    await c.createIndex({ tenantId: 1, createdAt: -1, _id: -1 });
    await c.insertMany([
      { _id: 1, tenantId: 't', createdAt: 1 },
      { _id: 2, tenantId: 't', createdAt: 2 },
      { _id: 3, tenantId: 't', createdAt: 2 },
      { _id: 4, tenantId: 'u', createdAt: 9 },
    ]);
    const page = await c.find({ tenantId: 't' }).sort({ createdAt: -1, _id: -1 }).limit(2).toArray();
    assert.deepEqual(
      page.map((d) => d._id),
      [3, 2],
    );
    const next = await c
      .find({ tenantId: 't', $or: [{ createdAt: { $lt: 2 } }, { createdAt: 2, _id: { $lt: 2 } }] })
      .sort({ createdAt: -1, _id: -1 })
      .limit(2)
      .toArray();
    assert.deepEqual(
      next.map((d) => d._id),
      [1],
    );
  },
  countDocuments: async (db) => {
    const c = db.collection<Doc>('count');
    await c.insertMany([{ t: 'a' }, { t: 'a' }, { t: 'b' }]);
    assert.equal(await c.countDocuments({ t: 'a' }), 2);
    assert.equal(await c.estimatedDocumentCount(), 3);
  },
  '$group with one $sum': async (db) => {
    const c = db.collection<Doc>('group1');
    await c.insertMany([
      { t: 'a', v: 2 },
      { t: 'a', v: 3 },
      { t: 'b', v: 1 },
    ]);
    const total = await c.aggregate([{ $match: { v: { $gt: 0 } } }, { $group: { _id: '$t', total: { $sum: '$v' } } }, { $sort: { _id: 1 } }]).toArray();
    assert.deepEqual(total, [
      { _id: 'a', total: 5 },
      { _id: 'b', total: 1 },
    ]);
    const n = await c.aggregate([{ $group: { _id: '$t', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();
    assert.deepEqual(n, [
      { _id: 'a', n: 2 },
      { _id: 'b', n: 1 },
    ]);
  },
  '$group with two accumulators': async (db) => {
    const c = db.collection<Doc>('group2');
    await c.insertMany([
      { t: 'a', v: 2 },
      { t: 'a', v: 3 },
    ]);
    const rows = await c.aggregate([{ $group: { _id: '$t', total: { $sum: '$v' }, n: { $sum: 1 } } }]).toArray();
    assert.deepEqual(rows, [{ _id: 'a', total: 5, n: 2 }]);
  },
  '$count stage': async (db) => {
    const c = db.collection<Doc>('countstage');
    await c.insertMany([{ t: 'a' }, { t: 'a' }, { t: 'b' }]);
    assert.deepEqual(await c.aggregate([{ $match: { t: 'a' } }, { $count: 'n' }]).toArray(), [{ n: 2 }]);
  },
  $addToSet: async (db) => {
    const c = db.collection<Doc>('addtoset');
    const { insertedId } = await c.insertOne({ inbox: ['e1'] });
    await c.updateOne({ _id: insertedId }, { $addToSet: { inbox: { $each: ['e1', 'e2'] } } });
    assert.deepEqual((await c.findOne({ _id: insertedId }))?.inbox, ['e1', 'e2']);
  },
  'positional $ update': async (db) => {
    const c = db.collection<Doc>('positional');
    const { insertedId } = await c.insertOne({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 1 },
      ],
    });
    await c.updateOne({ _id: insertedId, 'items.sku': 'b' }, { $inc: { 'items.$.qty': 2 } });
    assert.equal((await c.findOne({ _id: insertedId }))?.items[1].qty, 3);
  },
  arrayFilters: async (db) => {
    const c = db.collection<Doc>('arrayfilters');
    const { insertedId } = await c.insertOne({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 1 },
      ],
    });
    await c.updateOne({ _id: insertedId }, { $set: { 'items.$[i].qty': 7 } }, { arrayFilters: [{ 'i.sku': 'a' }] });
    assert.equal((await c.findOne({ _id: insertedId }))?.items[0].qty, 7);
  },
  'bulkWrite (ordered upserts)': async (db) => {
    const c = db.collection<Doc>('bulk');
    const r = await c.bulkWrite([
      { updateOne: { filter: { _id: 'x' }, update: { $set: { v: 1 } }, upsert: true } },
      { updateOne: { filter: { _id: 'y' }, update: { $set: { v: 2 } }, upsert: true } },
    ]);
    assert.equal(r.upsertedCount, 2);
  },
  'versioned update (optimistic concurrency)': async (db) => {
    const c = db.collection<Doc>('occ');
    const { insertedId } = await c.insertOne({ version: 1, s: 'a' });
    const ok = await c.updateOne({ _id: insertedId, version: 1 }, { $set: { s: 'b' }, $inc: { version: 1 } });
    const stale = await c.updateOne({ _id: insertedId, version: 1 }, { $set: { s: 'c' }, $inc: { version: 1 } });
    assert.deepEqual([ok.modifiedCount, stale.modifiedCount], [1, 0]);
  },
  'TTL index (expireAfterSeconds)': async (db) => {
    await db.collection<Doc>('ttl').createIndex({ at: 1 }, { expireAfterSeconds: 60 });
  },
  'partial index': async (db) => {
    await db.collection<Doc>('partial').createIndex({ a: 1 }, { partialFilterExpression: { a: { $exists: true } } });
  },
  $lookup: async (db) => {
    await db.collection<Doc>('lookup').insertOne({ a: 1 });
    await db
      .collection<Doc>('lookup')
      .aggregate([{ $lookup: { from: 'x', localField: 'a', foreignField: 'a', as: 'j' } }])
      .toArray();
  },
  transaction: async (db) => {
    const session = db.client.startSession();
    try {
      await session.withTransaction(async () => {
        await db.collection<Doc>('tx').insertOne({ a: 1 }, { session });
      });
    } finally {
      await session.endSession();
    }
  },
};

async function main() {
  const url = process.argv[2] ?? process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
  const client = await mongo.MongoClient.connect(url, { serverSelectionTimeoutMS: 5_000 });
  const db = client.db(`capabilities_${Date.now()}`);
  const info = await db.admin().command({ buildInfo: 1 });
  console.log(`${url} buildInfo.version=${info.version} ${info.ferretdb ? `ferretdb=${JSON.stringify(info.ferretdb.version ?? '')}` : ''}`);
  let failed = 0;
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check(db);
      console.log(`yes  ${name}`);
    } catch (err) {
      failed++;
      const got =
        err instanceof assert.AssertionError
          ? `got ${JSON.stringify(err.actual)}, want ${JSON.stringify(err.expected)}`
          : (err as Error).message.split('\n')[0];
      console.log(`NO   ${name}: ${got}`);
    }
  }
  await db.dropDatabase();
  await client.close();
  console.log(`${Object.keys(checks).length - failed} supported, ${failed} not`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
