import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { K6_DIR, k6Scripts } from '../../../infra/k6';
import { loadStack, stackFunctions, topicsOf } from '../../../triggers/stack';

/** k6/ holds one load script per HTTP function of stack.yml (no `topic` annotation), and no other. */
const ROOT = path.resolve(__dirname, '../../..');
const httpFunctions = stackFunctions(loadStack(path.join(ROOT, 'stack.yml')))
  .filter((fn) => topicsOf(fn).length === 0)
  .map((fn) => fn.name)
  .sort();
const scripts = k6Scripts();
const source = (script: string) => fs.readFileSync(path.join(K6_DIR, `${script}.js`), 'utf8');

describe('k6 scripts and stack.yml', () => {
  it('finds the HTTP functions of stack.yml', () => {
    expect(httpFunctions).toContain('products-get');
    expect(httpFunctions).toContain('platform-dlq-replay');
    expect(httpFunctions).not.toContain('audit-on-event');
    expect(httpFunctions).not.toContain('platform-outbox-relay');
  });

  it('has a script for every HTTP function', () => {
    expect(
      httpFunctions.filter((fn) => !scripts.includes(fn)),
      'HTTP functions without k6/<name>.js',
    ).toEqual([]);
  });

  it('has no script for anything but an HTTP function', () => {
    expect(
      scripts.filter((script) => !httpFunctions.includes(script)),
      'k6 scripts naming no HTTP function',
    ).toEqual([]);
  });
});

describe.each(scripts)('k6/%s.js', (script) => {
  const text = source(script);

  it('takes its scenario and thresholds from lib/scenarios.js', () => {
    expect(text).toMatch(/^export const options = loadOptions\(/m);
    expect(text).toMatch(/from '\.\/lib\/scenarios\.js'/);
  });

  it('calls its own function through the shared client, with a status check', () => {
    // lib/api.js's call() and createProduct() check the status of every request they make.
    const callsItself = text.includes(`'${script}'`) || (script === 'products-create' && text.includes('createProduct('));
    expect(callsItself, `${script}.js calls ${script}`).toBe(true);
    expect(text).not.toMatch(/from 'k6\/http'/);
  });

  it('has a default function (the iteration)', () => {
    expect(text).toMatch(/^export default /m);
  });
});
