/**
 * Each integration/e2e test file gets its own database base name, so files never see each
 * other's data and a second run starts clean. Runs before the file's modules load config.
 */
const base = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
const url = new URL(base);
url.pathname = `/it_${process.pid}_${Date.now().toString(36)}`;
process.env.MONGO_URL = url.toString();
