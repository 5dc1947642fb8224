import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadStack, stackFunctions, type Stack, type StackFunction } from '../../triggers/stack';

/**
 * OpenFaaS Function custom resources from stack.yml, as `faas-cli generate --api=openfaas.com/v1`
 * writes them (faas-cli cannot be installed here): one `---` document per function, in name
 * order, with the fields and field order of faas-cli's openfaas.com/v1 Spec (name, image,
 * environment, labels, annotations, limits, requests) and map keys sorted, as Go's YAML encoder
 * sorts them. Quoting may differ from faas-cli's; the documents are the same.
 *
 *   npx tsx infra/k8s/generate.ts          # rewrites infra/k8s/functions.yml
 */
export const FUNCTION_NAMESPACE = 'openfaas-fn';
export const OUTPUT = path.join(__dirname, 'functions.yml');
const STACK = path.resolve(__dirname, '../../stack.yml');

const HEADER = '# Generated from stack.yml by `npx tsx infra/k8s/generate.ts` (faas-cli generate --api=openfaas.com/v1). Do not edit.\n';

type Strings = Record<string, string>;
type Resources = StackFunction['limits'];

const sorted = (map: Strings): Strings | undefined => {
  const keys = Object.keys(map).sort();
  return keys.length > 0 ? Object.fromEntries(keys.map((key) => [key, map[key]!])) : undefined;
};

/** faas-cli's FunctionResources: memory, then cpu; empty fields left out. */
const resources = (given: Resources): Strings | undefined => {
  if (!given) return undefined;
  const out: Strings = {};
  if (given.memory) out.memory = given.memory;
  if (given.cpu) out.cpu = given.cpu;
  return Object.keys(out).length > 0 ? out : undefined;
};

const withoutUndefined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export const functionResource = (fn: StackFunction, namespace = FUNCTION_NAMESPACE) => {
  if (!fn.image) throw new Error(`${fn.name}: stack.yml gives no image`);
  return {
    apiVersion: 'openfaas.com/v1',
    kind: 'Function',
    metadata: { name: fn.name, namespace },
    spec: withoutUndefined({
      name: fn.name,
      image: fn.image,
      environment: sorted(fn.environment),
      labels: sorted(fn.labels),
      annotations: sorted(fn.annotations),
      limits: resources(fn.limits),
      requests: resources(fn.requests),
    }),
  };
};

export const generateFunctions = (stack: Stack, namespace = FUNCTION_NAMESPACE): string =>
  HEADER +
  stackFunctions(stack)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((fn) => `---\n${stringify(functionResource(fn, namespace), { indent: 2, lineWidth: 0 })}`)
    .join('');

if (require.main === module) {
  writeFileSync(OUTPUT, generateFunctions(loadStack(STACK)));
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
}
