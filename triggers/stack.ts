import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The one reader of stack.yml, the registry of functions (OpenFaaS stack file format).
 * YAML merge keys (`<<: *defaults`) are resolved; label, annotation and environment values
 * are strings, as OpenFaaS treats them.
 */
const strings = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({});

const resources = z.object({ memory: z.string().optional(), cpu: z.string().optional() }).optional();

const functionSchema = z.object({
  lang: z.string().optional(),
  handler: z.string().min(1),
  image: z.string().optional(),
  labels: strings,
  annotations: strings,
  environment: strings,
  limits: resources,
  requests: resources,
});

const stackSchema = z.object({
  version: z.union([z.string(), z.number()]).transform(String),
  provider: z.object({ name: z.string(), gateway: z.string().optional() }),
  functions: z.record(z.string(), functionSchema),
});

export type StackFunction = z.infer<typeof functionSchema> & { name: string };

export interface Stack {
  version: string;
  provider: { name: string; gateway?: string };
  functions: Record<string, StackFunction>;
}

export const parseStack = (text: string): Stack => {
  const parsed = stackSchema.parse(parse(text, { merge: true }));
  const functions = Object.fromEntries(Object.entries(parsed.functions).map(([name, fn]) => [name, { ...fn, name }]));
  return { ...parsed, functions };
};

export const loadStack = (path = 'stack.yml'): Stack => parseStack(readFileSync(path, 'utf8'));

export const stackFunctions = (stack: Stack): StackFunction[] => Object.values(stack.functions);

/** The `topic` annotation value of cron functions (the OpenFaaS cron-connector's convention). */
export const CRON_TOPIC = 'cron-function';

/** The topics in a function's comma-separated `topic` annotation. */
export const topicsOf = (fn: StackFunction): string[] =>
  (fn.annotations.topic ?? '')
    .split(',')
    .map((topic) => topic.trim())
    .filter((topic) => topic.length > 0);

/** Event-triggered functions and the Kafka topics each subscribes to (cron functions excluded). */
export const subscriptions = (stack: Stack): { function: string; topics: string[] }[] =>
  stackFunctions(stack)
    .map((fn) => ({ function: fn.name, topics: topicsOf(fn).filter((topic) => topic !== CRON_TOPIC) }))
    .filter((subscription) => subscription.topics.length > 0);

/** Cron functions and their schedules. */
export const schedules = (stack: Stack): { function: string; schedule: string }[] =>
  stackFunctions(stack)
    .filter((fn) => topicsOf(fn).includes(CRON_TOPIC) && fn.annotations.schedule)
    .map((fn) => ({ function: fn.name, schedule: fn.annotations.schedule! }));
