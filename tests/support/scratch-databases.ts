import mongoose from 'mongoose';

/**
 * Drops the databases earlier runs left behind whose names match `pattern` (every integration and
 * e2e file writes under a base of its own, `it_<pid>_<time>_<service>`; the bench under
 * `bench_<service>`). They are scratch, and FerretDB keeps one SQLite file per database: a
 * developer's machine that keeps hundreds of them gets slower at every operation (the checkout
 * bench went from about 0.2 s to over 1 s with ~500 of them). CI starts with none.
 */
export const dropScratchDatabases = async (mongoUrl: string, pattern: RegExp): Promise<number> => {
  const connection = await mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  try {
    const { databases } = await connection.db!.admin().listDatabases({ nameOnly: true });
    const scratch = databases.map((db) => db.name).filter((name) => pattern.test(name));
    for (const name of scratch) await connection.useDb(name).dropDatabase();
    return scratch.length;
  } finally {
    await connection.close();
  }
};
