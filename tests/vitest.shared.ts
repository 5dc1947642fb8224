import path from 'node:path';
import type { UserConfig } from 'vitest/config';

const root = path.resolve(__dirname, '..');

export const shared: UserConfig = {
  root,
  resolve: {
    alias: {
      '@layers': path.join(root, 'layers'),
      '@triggers': path.join(root, 'triggers'),
    },
  },
};

/** Sources whose coverage counts; launcher, CLIs and benchmarks are exercised by integration runs. */
export const coverageSources = ['layers/**/*.ts', 'functions/**/*.ts', 'triggers/**/*.ts', 'openfaas/**/*.ts'];
