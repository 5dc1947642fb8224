import path from 'node:path';

/** The repository root, wherever a command runs from: stack.yml, dist/ and .local/ are resolved against it. */
export const REPO_ROOT = path.resolve(__dirname, '..');
