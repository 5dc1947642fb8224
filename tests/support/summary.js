// Prints the pyramid (tests per level), coverage per level, and one closing line
// "N passed, N failed" over every level. Exits 1 when a level's results are missing.
const fs = require('node:fs');

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = false;
const rows = [];
for (const file of process.argv.slice(2)) {
  const level = file.replace(/^.*\//, '').replace('-results.json', '');
  if (!fs.existsSync(file)) {
    rows.push(`${level.padEnd(12)} no results (the run did not finish)`);
    missing = true;
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  let coverage = '';
  const summary = `coverage/${level}/coverage-summary.json`;
  if (fs.existsSync(summary)) coverage = `  lines ${JSON.parse(fs.readFileSync(summary, 'utf8')).total.lines.pct}%`;
  rows.push(
    `${level.padEnd(12)} ${String(r.numPassedTests).padStart(4)} passed ${String(r.numFailedTests).padStart(3)} failed ${String(r.numPendingTests).padStart(3)} skipped${coverage}`,
  );
}
const total = passed + failed;
console.log('\n=== summary ===');
for (const row of rows) console.log(row);
if (total > 0) {
  const share = (file) => {
    if (!fs.existsSync(file)) return 0;
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Math.round((100 * (r.numPassedTests + r.numFailedTests)) / total);
  };
  console.log(`pyramid: unit ${share(process.argv[2])}% / integration ${share(process.argv[3])}% / e2e ${share(process.argv[4])}%`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(missing || failed > 0 ? 1 : 0);
