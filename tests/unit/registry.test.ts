import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { topics } from '../../triggers/catalogue';
import { loadStack, stackFunctions, topicsOf } from '../../triggers/stack';

/** stack.yml is the registry: it and functions/ must agree, in both directions. */
const ROOT = path.resolve(__dirname, '../..');
const stack = loadStack(path.join(ROOT, 'stack.yml'));
const functions = stackFunctions(stack);

/** Only handler files default-export (their function); models, rules, events and stores do not. */
const DEFINES_FUNCTION = /^export default /m;
const handlerFiles = (): string[] =>
  fs
    .readdirSync(path.join(ROOT, 'functions'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && DEFINES_FUNCTION.test(fs.readFileSync(path.join(ROOT, 'functions', file), 'utf8')))
    .map((file) => `./functions/${file.split(path.sep).join('/')}`)
    .sort();

describe('stack.yml and functions/', () => {
  it('places every function at functions/<service>/<operation>.ts', () => {
    for (const fn of functions) {
      const [service, ...operation] = fn.name.split('-');
      expect(fn.handler, fn.name).toBe(`./functions/${service}/${operation.join('-')}.ts`);
      expect(fs.existsSync(path.join(ROOT, fn.handler)), `${fn.handler} exists`).toBe(true);
    }
  });

  it('lists every handler that functions/ defines', () => {
    expect(handlerFiles()).toEqual(functions.map((fn) => fn.handler).sort());
  });

  it('names each operation as stack.yml does', () => {
    for (const fn of functions) {
      const source = fs.readFileSync(path.join(ROOT, fn.handler), 'utf8');
      expect(source, fn.name).toContain(`name: '${fn.name}'`);
    }
  });

  it('sets scale labels and limits on every function', () => {
    for (const fn of functions) {
      const min = Number(fn.labels['com.openfaas.scale.min']);
      const max = Number(fn.labels['com.openfaas.scale.max']);
      expect(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max >= Math.max(min, 1), fn.name).toBe(true);
      expect(fn.limits?.memory, fn.name).toMatch(/^\d+Mi$/);
    }
  });

  it('subscribes audit-on-event to every topic of the catalogue', () => {
    const audit = functions.find((fn) => fn.name === 'audit-on-event')!;
    expect([...topicsOf(audit)].sort()).toEqual(
      topics()
        .map((t) => t.name)
        .sort(),
    );
  });
});
