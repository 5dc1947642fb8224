import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/launcher/config';
import { goInstall, run } from '../../../infra/launcher/install';

/**
 * actionlint (from the Go module proxy, built once into the launcher's bin cache) checks the
 * workflows against GitHub's schema: keys, expressions, action inputs, runner labels, and the
 * `run:` scripts with shellcheck when it is on PATH.
 */
const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';
const DIR = path.resolve(__dirname, '../../../.github/workflows');

describe('.github/workflows under actionlint', () => {
  it('reports nothing', { timeout: 600_000 }, async () => {
    const config = loadConfig();
    await goInstall(config, ACTIONLINT, 'actionlint');
    const workflows = fs
      .readdirSync(DIR)
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => path.join(DIR, file));
    expect(workflows.length).toBeGreaterThan(0);
    // run() rejects with actionlint's report when it finds anything.
    await expect(run(path.join(config.binDir, 'actionlint'), ['-no-color', ...workflows])).resolves.toBe('');
  });
});
